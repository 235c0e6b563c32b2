package io.libkv.integration;

import io.libkv.Keys;
import io.libkv.LockOptions;
import io.libkv.Store;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.integration.support.locks.ExpirableLockRegistry;

/**
 * A Spring Integration {@code LockRegistry} over {@link Store#newLock}: {@link #obtain(Object)}
 * gives the {@link LibkvLock} of key {@code directory/lockKey}, one instance per key for the
 * registry's life (until {@link #expireUnusedOlderThan(long)} drops it).
 *
 * <p>Mutual exclusion holds across every client of the store (other registries, other processes,
 * plain {@link io.libkv.Lock}s on the same key), on every backend, with the store's lock semantics
 * ({@code docs/compatibility.md}, Locks): a holder that dies or is cut off loses the lock within
 * the TTL of {@code options}, and its lease's {@code lost()} completes. What each {@code Lock}
 * method does, reentrancy, unlocking from another thread and the fencing token: see {@link
 * LibkvLock}.
 *
 * <p>There is no {@code renewLock}: the store keeps a held lock alive itself, for as long as the
 * store is open and reachable. The TTL is the registry's ({@link LockOptions#ttl()}), so {@code
 * LibkvLock} is a plain {@link java.util.concurrent.locks.Lock}, not Spring's {@code
 * DistributedLock} with a TTL per acquisition.
 *
 * <pre>{@code
 * LibkvLockRegistry registry = new LibkvLockRegistry(store, "app/locks");
 * LibkvLock lock = registry.obtain("invoices");
 * lock.lock();
 * try {
 *   db.write(invoice, lock.lease().fencingToken());
 * } finally {
 *   lock.unlock();
 * }
 * }</pre>
 */
public final class LibkvLockRegistry implements ExpirableLockRegistry<LibkvLock> {
  private final Store store;
  private final String directory;
  private final LockOptions options;
  private final ConcurrentHashMap<String, LibkvLock> locks = new ConcurrentHashMap<>();

  /**
   * A registry of locks below {@code directory} with the default {@link LockOptions}.
   *
   * @throws io.libkv.InvalidKeyException if {@code directory} is not a valid directory
   */
  public LibkvLockRegistry(Store store, String directory) {
    this(store, directory, LockOptions.DEFAULT);
  }

  /**
   * A registry of locks below {@code directory}, each acquired with {@code options} (value, TTL).
   *
   * @throws io.libkv.InvalidKeyException if {@code directory} is not a valid directory
   */
  public LibkvLockRegistry(Store store, String directory, LockOptions options) {
    this.store = Objects.requireNonNull(store, "store");
    this.directory = Keys.canonicalDirectory(Objects.requireNonNull(directory, "directory"));
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * The lock of {@code directory/lockKey}.
   *
   * @param lockKey a {@link String}: a key, relative to the registry's directory
   * @throws IllegalArgumentException if {@code lockKey} is not a String
   * @throws io.libkv.InvalidKeyException if the resulting key breaks the key rules
   */
  @Override
  public LibkvLock obtain(Object lockKey) {
    Objects.requireNonNull(lockKey, "lockKey");
    if (!(lockKey instanceof String)) {
      throw new IllegalArgumentException(
          "lock keys are Strings, was " + lockKey.getClass().getName());
    }
    String key = Keys.canonicalKey(Keys.prefixOf(directory) + lockKey);
    return locks.computeIfAbsent(key, k -> new LibkvLock(store, k, options));
  }

  /**
   * Forgets the locks that no thread of this process holds or waits for and that were last acquired
   * or released more than {@code age} milliseconds ago. A forgotten lock still works; a later
   * {@link #obtain(Object)} makes a new instance (exclusion is the store's, not the instance's).
   */
  @Override
  public void expireUnusedOlderThan(long age) {
    long now = System.currentTimeMillis();
    locks.values().removeIf(l -> !l.isLockedHere() && now - l.lastUsedMillis() > age);
  }

  @Override
  public String toString() {
    return "LibkvLockRegistry{" + Keys.prefixOf(directory) + " on " + store.description() + "}";
  }
}
