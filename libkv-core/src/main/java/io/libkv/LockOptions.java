package io.libkv;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Options of a lock: the value its key holds while held, its TTL, and backend extras.
 *
 * <p>The value defaults to {@code host:pid}. The TTL defaults to 15 s, or the backend's minimum
 * ephemeral TTL when that is larger. Consul's lock-delay defaults to zero: fencing tokens, not
 * delays, protect data.
 */
public final class LockOptions {
  /** The default TTL when none is given and the backend's minimum is lower. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

  /** All defaults. */
  public static final LockOptions DEFAULT = builder().build();

  private final byte[] value;
  private final @Nullable Duration ttl;
  private final Duration lockDelay;

  private LockOptions(byte[] value, @Nullable Duration ttl, Duration lockDelay) {
    this.value = value;
    this.ttl = ttl;
    this.lockDelay = lockDelay;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The value the lock's key holds while held (a copy). */
  public byte[] value() {
    return value.clone();
  }

  /** The TTL asked for; empty means the default (see class doc). */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** The TTL in force on a backend whose minimum ephemeral TTL is {@code minimum}. */
  public Duration effectiveTtl(Duration minimum) {
    if (ttl != null) {
      return ttl;
    }
    return minimum.compareTo(DEFAULT_TTL) > 0 ? minimum : DEFAULT_TTL;
  }

  /** Consul's lock-delay (zero elsewhere). */
  public Duration lockDelay() {
    return lockDelay;
  }

  @Override
  public String toString() {
    return "LockOptions{"
        + value.length
        + " bytes, ttl="
        + (ttl == null ? "default" : ttl)
        + ", lockDelay="
        + lockDelay
        + "}";
  }

  static byte[] defaultValue() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "localhost";
    }
    long pid = ProcessHandle.current().pid();
    return (host + ":" + pid).getBytes(StandardCharsets.UTF_8);
  }

  /** Builds {@link LockOptions}. */
  public static final class Builder {
    private byte @Nullable [] value;
    private @Nullable Duration ttl;
    private Duration lockDelay = Duration.ZERO;

    private Builder() {}

    /** The value the key holds while locked. */
    public Builder value(byte[] value) {
      this.value = Objects.requireNonNull(value, "value").clone();
      return this;
    }

    /** The value as UTF-8 text. */
    public Builder value(String value) {
      return value(Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The lock's TTL: how long others wait after the holder dies or is cut off.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException(
            "lock ttl must be positive, was " + Durations.format(ttl));
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Consul's lock-delay.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder lockDelay(Duration lockDelay) {
      Objects.requireNonNull(lockDelay, "lockDelay");
      if (lockDelay.isNegative()) {
        throw new IllegalArgumentException(
            "lockDelay must not be negative, was " + Durations.format(lockDelay));
      }
      this.lockDelay = lockDelay;
      return this;
    }

    /** The options. */
    public LockOptions build() {
      return new LockOptions(value == null ? defaultValue() : value, ttl, lockDelay);
    }
  }
}
