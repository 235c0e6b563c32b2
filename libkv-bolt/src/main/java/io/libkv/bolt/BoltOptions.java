package io.libkv.bolt;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How to open a database file. Immutable; build with {@link #builder()}. Defaults: read-write,
 * create if missing, the OS page size for new files, wait up to 10 s for the file lock, sync on
 * every commit, store the freelist.
 */
public final class BoltOptions {
  /** Largest page size accepted for new files. */
  public static final int MAX_PAGE_SIZE = 1 << 16;

  /**
   * Smallest page size accepted for new files (the format's practical floor, see
   * docs/bbolt-format.md, "Pages").
   */
  public static final int MIN_PAGE_SIZE = 1024;

  private final boolean readOnly;
  private final boolean createIfMissing;
  private final int pageSize;
  private final Duration lockTimeout;
  private final boolean noSync;
  private final long initialMmapSize;
  private final boolean noFreelistSync;

  private BoltOptions(Builder b) {
    this.readOnly = b.readOnly;
    this.createIfMissing = b.createIfMissing;
    this.pageSize = b.pageSize;
    this.lockTimeout = b.lockTimeout;
    this.noSync = b.noSync;
    this.initialMmapSize = b.initialMmapSize;
    this.noFreelistSync = b.noFreelistSync;
  }

  /**
   * @return a builder holding the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return the defaults: read-write, create if missing
   */
  public static BoltOptions defaults() {
    return builder().build();
  }

  /**
   * @return a builder starting from these options
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.readOnly = readOnly;
    b.createIfMissing = createIfMissing;
    b.pageSize = pageSize;
    b.lockTimeout = lockTimeout;
    b.noSync = noSync;
    b.initialMmapSize = initialMmapSize;
    b.noFreelistSync = noFreelistSync;
    return b;
  }

  /**
   * @return true to open read-only with a shared lock
   */
  public boolean readOnly() {
    return readOnly;
  }

  /**
   * @return true to create the file when it does not exist (never in read-only mode)
   */
  public boolean createIfMissing() {
    return createIfMissing;
  }

  /**
   * @return the page size for new files; empty means the OS page size. Existing files keep theirs.
   */
  public OptionalInt pageSize() {
    return pageSize == 0 ? OptionalInt.empty() : OptionalInt.of(pageSize);
  }

  /**
   * @return how long to wait for the file lock; {@link Duration#ZERO} tries once
   */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  /**
   * @return true to skip fdatasync on commit (no durability after a crash)
   */
  public boolean noSync() {
    return noSync;
  }

  /**
   * @return the initial memory-map size hint in bytes (affects file growth steps as in Go's bbolt)
   */
  public long initialMmapSize() {
    return initialMmapSize;
  }

  /**
   * @return true to not store the freelist (as etcd does); it is rebuilt by scanning on open
   */
  public boolean noFreelistSync() {
    return noFreelistSync;
  }

  @Override
  public String toString() {
    return "BoltOptions[readOnly="
        + readOnly
        + ", createIfMissing="
        + createIfMissing
        + ", pageSize="
        + (pageSize == 0 ? "os" : pageSize)
        + ", lockTimeout="
        + lockTimeout
        + ", noSync="
        + noSync
        + ", initialMmapSize="
        + initialMmapSize
        + ", noFreelistSync="
        + noFreelistSync
        + "]";
  }

  /** Builder of {@link BoltOptions}; not thread-safe. */
  public static final class Builder {
    private boolean readOnly;
    private boolean createIfMissing = true;
    private int pageSize;
    private Duration lockTimeout = Duration.ofSeconds(10);
    private boolean noSync;
    private long initialMmapSize;
    private boolean noFreelistSync;

    private Builder() {}

    /**
     * @param value open read-only (shared lock, no writes)
     * @return this builder
     */
    public Builder readOnly(boolean value) {
      this.readOnly = value;
      return this;
    }

    /**
     * @param value create the file when missing (ignored when read-only)
     * @return this builder
     */
    public Builder createIfMissing(boolean value) {
      this.createIfMissing = value;
      return this;
    }

    /**
     * @param bytes page size for a new file: a power of two from {@value #MIN_PAGE_SIZE} to {@value
     *     #MAX_PAGE_SIZE}
     * @return this builder
     */
    public Builder pageSize(int bytes) {
      if (bytes < MIN_PAGE_SIZE || bytes > MAX_PAGE_SIZE || Integer.bitCount(bytes) != 1) {
        throw new IllegalArgumentException(
            "page size must be a power of two from "
                + MIN_PAGE_SIZE
                + " to "
                + MAX_PAGE_SIZE
                + ": "
                + bytes);
      }
      this.pageSize = bytes;
      return this;
    }

    /**
     * @param timeout how long to wait for the file lock before failing with {@link
     *     BoltLockedException}
     * @return this builder
     */
    public Builder lockTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("lock timeout must not be negative: " + timeout);
      }
      this.lockTimeout = timeout;
      return this;
    }

    /**
     * @param value skip fdatasync at commit
     * @return this builder
     */
    public Builder noSync(boolean value) {
      this.noSync = value;
      return this;
    }

    /**
     * @param bytes initial map size hint, &gt;= 0
     * @return this builder
     */
    public Builder initialMmapSize(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("initial mmap size must not be negative: " + bytes);
      }
      this.initialMmapSize = bytes;
      return this;
    }

    /**
     * @param value do not store the freelist; rebuild it by scanning on open
     * @return this builder
     */
    public Builder noFreelistSync(boolean value) {
      this.noFreelistSync = value;
      return this;
    }

    /**
     * @return the options
     */
    public BoltOptions build() {
      return new BoltOptions(this);
    }
  }
}
