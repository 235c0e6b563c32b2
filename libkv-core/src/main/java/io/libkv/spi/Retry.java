package io.libkv.spi;

import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Retries an operation that failed with {@link StoreUnavailableException} until a deadline, with
 * backoff. An {@link UnknownOutcomeException} is never retried: the write may have applied, and
 * repeating a non-idempotent write could apply it twice. Backends throw it for writes that were
 * sent; a plain {@code StoreUnavailableException} means the request is known not to have applied.
 */
public final class Retry {
  private Retry() {}

  /**
   * Runs {@code op}, retrying while it throws a plain {@link StoreUnavailableException} and {@code
   * timeout} has not passed; the last failure is rethrown.
   *
   * @throws StoreUnavailableException the last failure, when the deadline passed
   * @throws UnknownOutcomeException at once, never retried
   */
  public static <T> T call(Supplier<T> op, Backoff backoff, Duration timeout) {
    Objects.requireNonNull(op, "op");
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int attempt = 0; ; attempt++) {
      try {
        return op.get();
      } catch (UnknownOutcomeException e) {
        throw e;
      } catch (StoreUnavailableException e) {
        long wait = backoff.delay(attempt).toNanos();
        long left = deadline - System.nanoTime();
        if (left <= 0 || wait >= left) {
          throw e;
        }
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
