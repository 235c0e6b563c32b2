package io.libkv.internal;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.UpdateConflictException;
import io.libkv.UpdateOptions;
import io.libkv.util.Backoff;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/** The read-modify-write loop of {@link Store#update}, once for every store. */
public final class Updates {
  private Updates() {}

  /**
   * Runs the loop.
   *
   * @param initial the key's pair as already known (a view's image), or empty to read it first
   */
  public static KVPair run(
      Store store,
      String key,
      UpdateOptions options,
      Function<Optional<KVPair>, byte[]> fn,
      Optional<Optional<KVPair>> initial) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(fn, "fn");
    String k = Keys.canonicalKey(key);
    Optional<KVPair> current = initial.isPresent() ? initial.get() : read(store, k);
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
      current = r.knowsCurrent() ? r.current(k) : read(store, k);
      if (attempt >= 2) {
        pause(backoff, attempt - 2, k, store);
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
