package io.libkv.spi;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A store's open state as the objects it works with (its locks, watchers, sessions) see it: the
 * store hands its one {@link AbstractStore#openCheck()} to them through their constructors, so they
 * check the store's own state and raise the store's own message, and need nothing else of it.
 */
public final class OpenCheck {
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  OpenCheck(String description) {
    this.description = description;
  }

  /**
   * Throws if the store is closed.
   *
   * @throws IllegalStateException naming the store, once it is closed
   */
  public void check() {
    if (closed.get()) {
      throw new IllegalStateException("store " + description + " is closed");
    }
  }

  /** Whether the store's close began. */
  public boolean isClosed() {
    return closed.get();
  }

  /** Marks the store closed; true for the first call only. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }

  @Override
  public String toString() {
    return "OpenCheck{" + description + (isClosed() ? ", closed" : "") + "}";
  }
}
