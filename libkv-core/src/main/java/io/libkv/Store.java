package io.libkv;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A key/value store: etcd, Consul, ZooKeeper, a bbolt file or memory, behind one contract ({@code
 * docs/compatibility.md}).
 *
 * <p>Thread-safe; one instance per application is the norm. Keys are {@code /}-separated paths
 * following {@link Keys}; every pair read carries a positive {@code lastIndex} that is strictly
 * increasing across the store's writes. Conditions of the store throw {@link KVException} subtypes;
 * misuse (null arguments, calls after {@link #close()}) throws the JDK's standard exceptions
 * ({@link NullPointerException}, {@link IllegalStateException}).
 *
 * <p>Open one with {@link LibKV#open(String)}.
 */
public interface Store extends AutoCloseable {
  /**
   * Writes a plain value.
   *
   * @throws InvalidKeyException if the key breaks the key rules
   * @throws ValueTooLargeException if the value is over {@link Capabilities#maxValueBytes()}
   */
  default void put(String key, byte[] value) {
    put(key, value, WriteOptions.DEFAULT);
  }

  /**
   * Writes a value; with a TTL in {@code options}, an ephemeral or expiring key. A plain put over a
   * TTL key makes it plain.
   *
   * @throws InvalidKeyException if the key breaks the key rules
   * @throws ValueTooLargeException if the value is over the limit
   * @throws TtlTooShortException if the TTL is below the backend's minimum for its meaning
   * @throws CallNotSupportedException if the backend lacks that TTL meaning
   */
  void put(String key, byte[] value, WriteOptions options);

  /**
   * Writes several plain values: in one transaction where {@link Capabilities#atomicBatch()}, else
   * one after another. Every key and value is validated before the first write.
   */
  void putAll(Map<String, byte[]> entries);

  /**
   * Reads a key.
   *
   * @throws KeyNotFoundException if the key does not exist (a directory that exists only because
   *     keys lie below it is not a key)
   */
  KVPair get(String key);

  /** Whether the key exists (implicit directories do not). */
  boolean exists(String key);

  /** Deletes a key; an absent key is no error. Keys below it are left alone. */
  void delete(String key);

  /**
   * Every key strictly below {@code dir} (all depths), sorted by UTF-8 bytes, matched on segment
   * boundaries ({@code app} never lists {@code apple}); {@code ""} or {@code "/"} lists the root.
   *
   * @throws KeyNotFoundException if neither {@code dir} nor anything below it exists
   */
  List<KVPair> list(String dir);

  /**
   * Removes {@code dir} and everything below it, atomically where the backend can. The root is
   * refused ({@link InvalidKeyException}).
   */
  void deleteTree(String dir);

  /**
   * Writes only if the key's index still equals {@code previous.lastIndex()}; with {@code previous
   * == null}, only if the key is absent (as Go libkv; prefer {@link #atomicCreate}).
   *
   * @return the stored pair with its new index
   * @throws KeyExistsException create-only, and the key exists
   * @throws KeyModifiedException the index differs
   * @throws KeyNotFoundException the key is gone
   */
  KVPair atomicPut(String key, byte[] value, @Nullable KVPair previous, WriteOptions options);

  /**
   * Creates the key only if absent.
   *
   * @return the stored pair
   * @throws KeyExistsException if the key exists
   */
  default KVPair atomicCreate(String key, byte[] value, WriteOptions options) {
    return atomicPut(key, value, null, options);
  }

  /**
   * Deletes only if the key's index still equals {@code previous.lastIndex()}.
   *
   * @throws PreviousNotSpecifiedException if {@code previous} is null
   * @throws KeyModifiedException the index differs
   * @throws KeyNotFoundException the key is gone
   */
  void atomicDelete(String key, KVPair previous);

  /**
   * Applies every operation of {@code transaction} atomically if every condition holds, else none.
   * A transaction's writes reach a tree watch as one event. Never retried by the store: when the
   * outcome cannot be known it throws {@link UnknownOutcomeException}.
   *
   * @return whether it committed, with the new indexes, or the first failed condition
   * @throws TransactionTooLargeException over {@link Capabilities#transactionLimits()}, nothing
   *     sent
   * @throws CallNotSupportedException a put's TTL meaning cannot be applied in a transaction here
   * @throws IllegalArgumentException two operations write one key (after canonicalisation)
   */
  TransactionResult commit(Transaction transaction);

  /**
   * Read-modify-write with {@link UpdateOptions#DEFAULT}; see {@link #update(String, UpdateOptions,
   * Function)}.
   */
  default KVPair update(String key, Function<Optional<KVPair>, byte[]> fn) {
    return update(key, UpdateOptions.DEFAULT, fn);
  }

  /**
   * Reads the key, computes its new value with {@code fn} (given the current pair, empty if absent)
   * and writes it only if the key is unchanged; on a conflict calls {@code fn} again with the pair
   * that beat it, taken from the failed compare where the backend returns it (no second read).
   * {@code fn} may run several times and must not have side effects; an exception it throws ends
   * the update and is rethrown.
   *
   * @return the stored pair
   * @throws UpdateConflictException after {@link UpdateOptions#maxAttempts()} conflicts
   */
  default KVPair update(String key, UpdateOptions options, Function<Optional<KVPair>, byte[]> fn) {
    return io.libkv.util.Updates.update(this, key, options, fn);
  }

  /** A cached view of {@code dir} with {@link ViewOptions#DEFAULT}. */
  default View view(String dir) {
    return view(dir, ViewOptions.DEFAULT);
  }

  /**
   * Opens a cached view of {@code dir}: an image of the directory kept current by a tree watch.
   * Close it to stop the watch.
   */
  default View view(String dir, ViewOptions options) {
    return io.libkv.internal.CachedView.open(this, dir, options);
  }

  /** Watches a key from its current state; see {@link #watch(String, WatchOptions)}. */
  default Watch<KeyEvent> watch(String key) {
    return watch(key, WatchOptions.DEFAULT);
  }

  /**
   * Watches a key: first its current state ({@code CURRENT} or {@code ABSENT}, unless resuming from
   * an index), then an event per change in index order.
   */
  Watch<KeyEvent> watch(String key, WatchOptions options);

  /** Watches a directory from its current state; see {@link #watchTree(String, WatchOptions)}. */
  default Watch<TreeEvent> watchTree(String dir) {
    return watchTree(dir, WatchOptions.DEFAULT);
  }

  /**
   * Watches a directory (which need not exist yet): each event is the full sorted list of pairs
   * below it, with what changed.
   */
  Watch<TreeEvent> watchTree(String dir, WatchOptions options);

  /** Delivers a key watch's events to {@code listener} on {@code executor}, one at a time. */
  Subscription watch(
      String key, WatchOptions options, WatchListener<KeyEvent> listener, Executor executor);

  /** Delivers a tree watch's events to {@code listener} on {@code executor}, one at a time. */
  Subscription watchTree(
      String dir, WatchOptions options, WatchListener<TreeEvent> listener, Executor executor);

  /** A lock on {@code key} with default options. */
  default Lock newLock(String key) {
    return newLock(key, LockOptions.DEFAULT);
  }

  /**
   * A lock on {@code key}. Creating it takes nothing; {@link Lock#lock()} acquires.
   *
   * @throws TtlTooShortException if the options' TTL is below the backend's ephemeral minimum
   */
  Lock newLock(String key, LockOptions options);

  /** What this backend supports, and its limits. */
  Capabilities capabilities();

  /**
   * Tells {@code listener}, on {@code executor}, of every renewal of the sessions and leases this
   * store keeps alive for its ephemeral keys and locks: renewed (with its round trip), failed,
   * lost. A backend whose client renews out of sight (ZooKeeper's session pings) tells nothing but
   * losses through {@link #onConnectionStateChange}.
   */
  Subscription onKeepAlive(Consumer<KeepAliveEvent> listener, Executor executor);

  /** Tells {@code listener}, on {@code executor}, of every change of connection state. */
  Subscription onConnectionStateChange(Consumer<ConnectionState> listener, Executor executor);

  /** The store's URI without secrets, e.g. {@code etcd://127.0.0.1:2379/app}. */
  String description();

  /**
   * What the store can tell about itself and its servers now: connection state and, where the
   * backend tells, server version, members and their health, session or lease state. Asks each
   * member at most once, within the operation timeout; a member that does not answer is reported
   * {@link StoreStatus.Health#DOWN}, never thrown.
   *
   * @throws IllegalStateException if the store is closed
   */
  StoreStatus status();

  /**
   * Closes the store: ephemeral keys are removed and held locks released at once, watches end,
   * threads stop. Idempotent; any other call afterwards throws {@link IllegalStateException}.
   */
  @Override
  void close();
}
