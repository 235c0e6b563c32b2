package io.libkv;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Store#update} writes and retries: the write options of its put, how many
 * compare-and-set attempts it makes and how long it backs off between them.
 */
public final class UpdateOptions {
  /**
   * Plain puts, 32 attempts: the first four conflicts retried at once with the pair that won, then
   * a jittered backoff from 1 ms up to 100 ms, each followed by a fresh read.
   */
  public static final UpdateOptions DEFAULT = builder().build();

  private final WriteOptions writeOptions;
  private final int maxAttempts;
  private final Duration backoffBase;
  private final Duration backoffMax;

  private UpdateOptions(Builder b) {
    this.writeOptions = b.writeOptions;
    this.maxAttempts = b.maxAttempts;
    this.backoffBase = b.backoffBase;
    this.backoffMax = b.backoffMax;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The options of each write. */
  public WriteOptions writeOptions() {
    return writeOptions;
  }

  /** Compare-and-set attempts before {@link UpdateConflictException}. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The first backoff (jittered, doubling). */
  public Duration backoffBase() {
    return backoffBase;
  }

  /** The longest backoff. */
  public Duration backoffMax() {
    return backoffMax;
  }

  @Override
  public String toString() {
    return "UpdateOptions{"
        + writeOptions
        + ", maxAttempts="
        + maxAttempts
        + ", backoff="
        + backoffBase
        + ".."
        + backoffMax
        + "}";
  }

  /** Builds {@link UpdateOptions}. */
  public static final class Builder {
    private WriteOptions writeOptions = WriteOptions.DEFAULT;
    private int maxAttempts = 32;
    private Duration backoffBase = Duration.ofMillis(1);
    private Duration backoffMax = Duration.ofMillis(100);

    private Builder() {}

    /** The options of each write (TTL meanings included). */
    public Builder writeOptions(WriteOptions options) {
      this.writeOptions = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Compare-and-set attempts before giving up.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The backoff between attempts after the fourth conflict (the first four are retried at once):
     * jittered, doubling from {@code base} up to {@code max}; the key is read again after each.
     *
     * @throws IllegalArgumentException if negative, or base over max
     */
    public Builder backoff(Duration base, Duration max) {
      Objects.requireNonNull(base, "base");
      Objects.requireNonNull(max, "max");
      if (base.isNegative() || max.compareTo(base) < 0) {
        throw new IllegalArgumentException(
            "backoff needs 0 <= base <= max, was " + base + " and " + max);
      }
      this.backoffBase = base;
      this.backoffMax = max;
      return this;
    }

    /** The options. */
    public UpdateOptions build() {
      return new UpdateOptions(this);
    }
  }
}
