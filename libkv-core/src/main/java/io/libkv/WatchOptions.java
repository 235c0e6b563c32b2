package io.libkv;

import java.util.OptionalLong;

/**
 * Options of a watch: where it starts and how many undelivered events it buffers.
 *
 * <p>Without a starting index the first event is the current state. With {@code fromIndex(i)} the
 * watch delivers what happened after index {@code i} (nothing when nothing did); when the backend
 * no longer has that history it delivers the current state as a {@link EventType#RESYNC} event.
 *
 * <p>Events are buffered up to {@link #bufferSize()}; a consumer slower than that sees intermediate
 * events coalesced (the latest state is never lost, and the backend is never blocked).
 */
public final class WatchOptions {
  /** The default buffer size. */
  public static final int DEFAULT_BUFFER = 1024;

  /** Current state first, default buffer. */
  public static final WatchOptions DEFAULT = new WatchOptions(0, DEFAULT_BUFFER);

  private final long fromIndex;
  private final int bufferSize;

  private WatchOptions(long fromIndex, int bufferSize) {
    this.fromIndex = fromIndex;
    this.bufferSize = bufferSize;
  }

  /** Options that resume after {@code index}. */
  public static WatchOptions fromIndex(long index) {
    return builder().fromIndex(index).build();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The index after which to resume, if any. */
  public OptionalLong startIndex() {
    return fromIndex > 0 ? OptionalLong.of(fromIndex) : OptionalLong.empty();
  }

  /** How many undelivered events are kept before coalescing. */
  public int bufferSize() {
    return bufferSize;
  }

  @Override
  public String toString() {
    return "WatchOptions{fromIndex=" + fromIndex + ", bufferSize=" + bufferSize + "}";
  }

  /** Builds {@link WatchOptions}. */
  public static final class Builder {
    private long fromIndex;
    private int bufferSize = DEFAULT_BUFFER;

    private Builder() {}

    /**
     * Resume after this index.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder fromIndex(long index) {
      if (index <= 0) {
        throw new IllegalArgumentException("fromIndex must be > 0, was " + index);
      }
      this.fromIndex = index;
      return this;
    }

    /**
     * How many undelivered events to keep before coalescing.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder bufferSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("bufferSize must be >= 1, was " + size);
      }
      this.bufferSize = size;
      return this;
    }

    /** The options. */
    public WatchOptions build() {
      return new WatchOptions(fromIndex, bufferSize);
    }
  }
}
