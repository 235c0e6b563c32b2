package io.libkv;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Options of a write: a TTL and what it means.
 *
 * <p>With a TTL and keep-alive on (the default) the key is <em>ephemeral</em>: it lives while the
 * writing store is open, is removed when that store closes, and within the TTL when the process
 * dies or is cut off. With keep-alive off the key is <em>expiring</em>: it is removed the TTL after
 * its last write. A backend that cannot honour a meaning throws {@link CallNotSupportedException}.
 */
public final class WriteOptions {
  /** No TTL: a plain key. */
  public static final WriteOptions DEFAULT = new WriteOptions(null, true, false);

  private final @Nullable Duration ttl;
  private final boolean keepAlive;
  private final boolean isDir;

  private WriteOptions(@Nullable Duration ttl, boolean keepAlive, boolean isDir) {
    this.ttl = ttl;
    this.keepAlive = keepAlive;
    this.isDir = isDir;
  }

  /** An ephemeral key's options: {@code ttl(d)} with keep-alive on. */
  public static WriteOptions ephemeral(Duration ttl) {
    return builder().ttl(ttl).build();
  }

  /** An expiring key's options: {@code ttl(d)} with keep-alive off. */
  public static WriteOptions expiring(Duration ttl) {
    return builder().ttl(ttl).keepAlive(false).build();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The TTL, if any. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** Whether the library keeps the key alive while the store is open (meaningful with a TTL). */
  public boolean keepAlive() {
    return keepAlive;
  }

  /** Whether a TTL makes the key ephemeral. */
  public boolean isEphemeral() {
    return ttl != null && keepAlive;
  }

  /** Whether a TTL makes the key expiring. */
  public boolean isExpiring() {
    return ttl != null && !keepAlive;
  }

  /** Kept only for etcd-v2 compatibility; ignored by the v3 backends. */
  public boolean isDir() {
    return isDir;
  }

  @Override
  public String toString() {
    return ttl == null
        ? "WriteOptions{plain}"
        : "WriteOptions{ttl=" + ttl + ", keepAlive=" + keepAlive + "}";
  }

  /** Builds {@link WriteOptions}; each setter may be called once. */
  public static final class Builder {
    private @Nullable Duration ttl;
    private @Nullable Boolean keepAlive;
    private boolean isDir;

    private Builder() {}

    /**
     * Sets the TTL.
     *
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (this.ttl != null) {
        throw new IllegalStateException("ttl was already set to " + Durations.format(this.ttl));
      }
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive, was " + Durations.format(ttl));
      }
      this.ttl = ttl;
      return this;
    }

    /** Whether the library keeps the key alive (default true). */
    public Builder keepAlive(boolean keepAlive) {
      if (this.keepAlive != null) {
        throw new IllegalStateException("keepAlive was already set to " + this.keepAlive);
      }
      this.keepAlive = keepAlive;
      return this;
    }

    /** Marks the write as a directory (etcd v2 only). */
    public Builder isDir(boolean isDir) {
      this.isDir = isDir;
      return this;
    }

    /** The options. */
    public WriteOptions build() {
      return new WriteOptions(ttl, keepAlive == null || keepAlive, isDir);
    }
  }
}
