package io.libkv;

import org.jspecify.annotations.Nullable;

/** A value is larger than the backend accepts; nothing was written. */
public class ValueTooLargeException extends KVException {
  private static final long serialVersionUID = 1L;

  private final long size;
  private final long limit;

  /**
   * Creates the exception.
   *
   * @param key the canonical key concerned
   * @param store the store's redacted description
   * @param size the value's size in bytes
   * @param limit the largest value the backend accepts, in bytes
   */
  public ValueTooLargeException(
      @Nullable String key, @Nullable String store, long size, long limit) {
    super(
        "value of " + size + " bytes exceeds the limit of " + limit + " bytes",
        key,
        store,
        null,
        ErrorAnchors.of(ValueTooLargeException.class));
    this.size = size;
    this.limit = limit;
  }

  /** The rejected value's size in bytes. */
  public long size() {
    return size;
  }

  /** The largest value the backend accepts, in bytes. */
  public long limit() {
    return limit;
  }
}
