package io.libkv;

import org.jspecify.annotations.Nullable;

/** A compare-and-set found another index than the one given: someone wrote the key in between. */
public class KeyModifiedException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public KeyModifiedException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(KeyModifiedException.class));
  }

  KeyModifiedException(
      String message,
      @Nullable String key,
      @Nullable String store,
      @Nullable Throwable cause,
      String anchor) {
    super(message, key, store, cause, anchor);
  }

  /** Creates the exception with a message only. */
  public KeyModifiedException(String message) {
    this(message, null, null, null);
  }
}
