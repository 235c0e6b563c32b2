package io.libkv.util;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with full jitter: attempt {@code n} waits a random time up to {@code min(max,
 * base * 2^n)}, so clients that failed together do not retry together.
 */
public final class Backoff {
  private final Duration base;
  private final Duration max;
  private final LongUnaryOperator random;

  private Backoff(Duration base, Duration max, LongUnaryOperator random) {
    this.base = base;
    this.max = max;
    this.random = random;
  }

  /**
   * A backoff from {@code base} up to {@code max}.
   *
   * @throws IllegalArgumentException if base is not positive or max is below base
   */
  public static Backoff exponential(Duration base, Duration max) {
    return exponential(base, max, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
  }

  /** The same, with a source of randomness ({@code bound -> a value in [0, bound]}) for tests. */
  public static Backoff exponential(Duration base, Duration max, LongUnaryOperator random) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(max, "max");
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= max, got base " + base + ", max " + max);
    }
    return new Backoff(base, max, Objects.requireNonNull(random, "random"));
  }

  /** The ceiling of attempt {@code attempt} (0-based), before jitter. */
  public Duration ceiling(int attempt) {
    long b = base.toNanos();
    long m = max.toNanos();
    int shift = Math.min(Math.max(attempt, 0), 62);
    long c = b > (m >> shift) ? m : b << shift;
    return Duration.ofNanos(Math.min(c, m));
  }

  /** How long to wait before retry {@code attempt} (0-based): a random time up to the ceiling. */
  public Duration delay(int attempt) {
    return Duration.ofNanos(random.applyAsLong(ceiling(attempt).toNanos()));
  }
}
