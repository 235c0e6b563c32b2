package io.libkv;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link View} bounds what it serves: how long a read waits for the view to show a write made
 * through it or its store, and how long the view may go without its watch being connected before
 * reads fail instead of serving an image that may be old.
 */
public final class ViewOptions {
  /** Reads wait up to 5 s for the caller's writes; fail after 10 s without a connected watch. */
  public static final ViewOptions DEFAULT = builder().build();

  private final Duration readYourWritesTimeout;
  private final Duration maxStaleness;

  private ViewOptions(Builder b) {
    this.readYourWritesTimeout = b.readYourWritesTimeout;
    this.maxStaleness = b.maxStaleness;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** How long a read waits for the image to show a write made through the view or its store. */
  public Duration readYourWritesTimeout() {
    return readYourWritesTimeout;
  }

  /** How long the watch may be disconnected before reads throw {@link StaleViewException}. */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  @Override
  public String toString() {
    return "ViewOptions{readYourWritesTimeout="
        + readYourWritesTimeout
        + ", maxStaleness="
        + maxStaleness
        + "}";
  }

  /** Builds {@link ViewOptions}. */
  public static final class Builder {
    private Duration readYourWritesTimeout = Duration.ofSeconds(5);
    private Duration maxStaleness = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * How long a read waits for the caller's earlier writes to show.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder readYourWritesTimeout(Duration timeout) {
      this.readYourWritesTimeout = nonNegative(timeout, "readYourWritesTimeout");
      return this;
    }

    /**
     * How long reads go on after the watch lost its connection; zero fails reads at once.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxStaleness(Duration staleness) {
      this.maxStaleness = nonNegative(staleness, "maxStaleness");
      return this;
    }

    private static Duration nonNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, was " + d);
      }
      return d;
    }

    /** The options. */
    public ViewOptions build() {
      return new ViewOptions(this);
    }
  }
}
