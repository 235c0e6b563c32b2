package io.libkv.util;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.UpdateConflictException;
import io.libkv.UpdateOptions;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The read-modify-write loop behind {@link Store#update}, over any store's {@code get} and {@code
 * commit}: for decorators that want their own {@code commit} (metrics, faults) to be the one an
 * update uses, and for code that already holds the key's current pair.
 */
public final class Updates {
  /** Conflicts retried at once with the winning pair, before backing off. */
  static final int IMMEDIATE_RETRIES = 4;

  private Updates() {}

  /** {@link Store#update(String, UpdateOptions, Function)} through {@code store}'s own calls. */
  public static KVPair update(
      Store store, String key, UpdateOptions options, Function<Optional<KVPair>, byte[]> fn) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(fn, "fn");
    return run(store, Keys.canonicalKey(key), options, fn, read(store, Keys.canonicalKey(key)));
  }

  /**
   * The same loop starting from {@code current} (the key's pair as the caller knows it, empty if
   * absent) instead of a read: a stale {@code current} costs one failed commit.
   */
  public static KVPair updateFrom(
      Store store,
      String key,
      Optional<KVPair> current,
      UpdateOptions options,
      Function<Optional<KVPair>, byte[]> fn) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(fn, "fn");
    return run(
        store, Keys.canonicalKey(key), options, fn, Objects.requireNonNull(current, "current"));
  }

  private static KVPair run(
      Store store,
      String key,
      UpdateOptions options,
      Function<Optional<KVPair>, byte[]> fn,
      Optional<KVPair> initial) {
    String k = key;
    Optional<KVPair> current = initial;
    Backoff backoff = Backoff.exponential(options.backoffBase(), options.backoffMax());
    for (int attempt = 1; ; attempt++) {
      byte[] value = Objects.requireNonNull(fn.apply(current), "the update function returned null");
      Transaction.Builder t = Transaction.builder();
      if (current.isPresent()) {
        t.ifIndex(current.get());
      } else {
        t.ifAbsent(k);
      }
      TransactionResult r = store.commit(t.put(k, value, options.writeOptions()).build());
      if (r.committed()) {
        Long index = r.indexes().get(k);
        if (index == null) {
          throw new KVException(
              "the store committed the update but did not report the key's index",
              k,
              store.description(),
              null);
        }
        return KVPair.ofOwned(k, value, index);
      }
      if (attempt >= options.maxAttempts()) {
        throw new UpdateConflictException(attempt, k, store.description());
      }
      if (attempt <= IMMEDIATE_RETRIES) {
        // the pair that won is the freshest there is: retry with it at once
        current = r.knowsCurrent() ? r.current(k) : read(store, k);
      } else {
        // a pair from before a sleep is stale by the time it is compared: read after the pause
        pause(backoff, attempt - IMMEDIATE_RETRIES - 1, k, store);
        current = read(store, k);
      }
    }
  }

  private static Optional<KVPair> read(Store store, String key) {
    try {
      return Optional.of(store.get(key));
    } catch (KeyNotFoundException e) {
      return Optional.empty();
    }
  }

  private static void pause(Backoff backoff, int attempt, String key, Store store) {
    long nanos = backoff.delay(attempt).toNanos();
    if (nanos > 0) {
      LockSupport.parkNanos(nanos);
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new KVException("update interrupted between attempts", key, store.description(), null);
    }
  }
}
