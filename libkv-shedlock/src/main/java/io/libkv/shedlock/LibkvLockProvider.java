package io.libkv.shedlock;

import io.libkv.CallNotSupportedException;
import io.libkv.KVPair;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@code LockProvider} over a {@link Store}: a lock named {@code N} is the key {@code
 * directory/N}, created with {@link Store#atomicCreate} as an <em>expiring</em> key ({@link
 * WriteOptions#expiring(Duration)}) whose TTL is {@code lockAtMostFor}.
 *
 * <p><b>Why an expiring key and not {@link Store#newLock}.</b> ShedLock's model is time-based: the
 * lock ends at {@code lockAtMostFor} whatever its holder does (alive and still running, or dead),
 * and stays taken until {@code lockAtLeastFor} after an early unlock. A store lock is the other
 * model: kept alive for as long as its holder's store is open (so {@code lockAtMostFor} would not
 * bound a live holder), and gone at unlock (so {@code lockAtLeastFor} could not be honoured). An
 * expiring key is removed by the store its TTL after its last write, whether the writer lives or
 * not, which is {@code lockAtMostFor}; rewriting it at unlock with the time left to {@code
 * lockAtLeastUntil} is {@code lockAtLeastFor}; rewriting it with a new TTL is {@link
 * SimpleLock#extend}. Every rewrite and the delete are compare-and-set on the index of the lock's
 * own write, so a holder whose lock expired and was taken by another never touches the other's.
 *
 * <p><b>What each backend can do</b> ({@link io.libkv.Capabilities}): the store must support
 * expiring keys ({@code expiringTtl()}), else the constructor throws {@link
 * CallNotSupportedException} (ZooKeeper servers without TTL nodes). A {@code lockAtMostFor} below
 * the backend's {@code minExpiringTtl()} is refused with {@link io.libkv.TtlTooShortException}
 * (etcd: its lease floor, 2 s by default). A lock ends between {@code lockAtMostFor} and {@code
 * lockAtMostFor} plus the backend's {@code expiringTtlGranularity()} after it was taken (etcd
 * rounds up to whole seconds; Consul's expiring keys last up to twice their TTL; ZooKeeper's TTL
 * nodes are swept every {@code containerCheckInterval}).
 *
 * <p><b>Unlock</b> deletes the key when {@code lockAtLeastUntil} has passed. Before it, the key is
 * rewritten to expire at {@code lockAtLeastUntil}; when the time left is below the backend's {@code
 * minExpiringTtl()} the key is kept for that minimum instead, unless that would outlast {@code
 * lockAtMostUntil}, in which case it is left to expire then. Either way the lock is held at least
 * until {@code lockAtLeastUntil} and never past {@code lockAtMostUntil} (plus granularity).
 *
 * <p><b>Extend</b> rewrites the key with the new {@code lockAtMostFor} if the lock is still this
 * holder's (its {@code lockAtMostUntil} not passed on ShedLock's clock, and the key still holding
 * its write); otherwise it returns empty. Times are read from ShedLock's {@link ClockProvider}.
 *
 * <p>A store failure ({@link io.libkv.KVException}) propagates: ShedLock then skips the run; a
 * failure while unlocking leaves the key to expire at {@code lockAtMostFor}. The key's value is
 * text naming the holder ({@code lockedBy=host:pid}, {@code lockedAt}, {@code lockUntil}), for
 * people reading the store.
 */
public final class LibkvLockProvider implements ExtensibleLockProvider {
  private final Store store;
  private final String directory;
  private final String lockedBy;

  /**
   * A provider keeping its locks below {@code directory} of {@code store}.
   *
   * @throws CallNotSupportedException if the store has no expiring keys
   * @throws io.libkv.InvalidKeyException if {@code directory} is not a valid directory
   */
  public LibkvLockProvider(Store store, String directory) {
    this.store = Objects.requireNonNull(store, "store");
    this.directory = Keys.canonicalDirectory(Objects.requireNonNull(directory, "directory"));
    if (!store.capabilities().expiringTtl()) {
      throw new CallNotSupportedException(
          "ShedLock locks are expiring keys, and backend "
              + store.capabilities().backend()
              + " has none (on ZooKeeper: enable TTL nodes on the server)",
          null,
          store.description(),
          null);
    }
    // the store locks' default value: host:pid
    this.lockedBy = new String(LockOptions.DEFAULT.value(), StandardCharsets.UTF_8);
  }

  /**
   * Takes the lock if no one holds it.
   *
   * @return the lock, or empty when another holds it
   * @throws io.libkv.TtlTooShortException if {@code lockAtMostFor} is below the backend's minimum
   * @throws io.libkv.InvalidKeyException if the lock's name makes an invalid key
   */
  @Override
  public Optional<SimpleLock> lock(LockConfiguration config) {
    String key = Keys.canonicalKey(Keys.prefixOf(directory) + config.getName());
    try {
      KVPair written =
          store.atomicCreate(
              key,
              value(config.getLockAtMostUntil()),
              WriteOptions.expiring(config.getLockAtMostFor()));
      return Optional.of(new Held(config, written));
    } catch (KeyExistsException e) {
      return Optional.empty();
    }
  }

  private byte[] value(Instant lockUntil) {
    return ("lockedBy="
            + lockedBy
            + "\nlockedAt="
            + ClockProvider.now()
            + "\nlockUntil="
            + lockUntil
            + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "LibkvLockProvider{" + Keys.prefixOf(directory) + " on " + store.description() + "}";
  }

  /** A held lock: the configuration it was taken or extended with, and its own write. */
  private final class Held extends AbstractSimpleLock {
    private final KVPair written;

    Held(LockConfiguration config, KVPair written) {
      super(config);
      this.written = written;
    }

    @Override
    protected void doUnlock() {
      Instant now = ClockProvider.now();
      Instant leastUntil = lockConfiguration.getLockAtLeastUntil();
      try {
        if (!now.isBefore(leastUntil)) {
          store.atomicDelete(written.key(), written);
          return;
        }
        Duration left = Duration.between(now, leastUntil);
        Duration min = store.capabilities().minExpiringTtl();
        Duration ttl = left.compareTo(min) < 0 ? min : left;
        if (now.plus(ttl).isAfter(lockConfiguration.getLockAtMostUntil())) {
          return; // the key expires sooner, at lockAtMostUntil, and after lockAtLeastUntil
        }
        store.atomicPut(written.key(), value(now.plus(ttl)), written, WriteOptions.expiring(ttl));
      } catch (KeyModifiedException | KeyNotFoundException e) {
        // expired already (and perhaps taken by another, whose write stays)
      }
    }

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration extended) {
      if (!ClockProvider.now().isBefore(lockConfiguration.getLockAtMostUntil())) {
        return Optional.empty();
      }
      try {
        KVPair rewritten =
            store.atomicPut(
                written.key(),
                value(extended.getLockAtMostUntil()),
                written,
                WriteOptions.expiring(extended.getLockAtMostFor()));
        return Optional.of(new Held(extended, rewritten));
      } catch (KeyModifiedException | KeyNotFoundException e) {
        return Optional.empty();
      }
    }
  }
}
