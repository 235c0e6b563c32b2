package io.libkv;

import org.jspecify.annotations.Nullable;

/** This backend cannot honour the call; {@link Capabilities} says so in advance. */
public class CallNotSupportedException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public CallNotSupportedException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(CallNotSupportedException.class));
  }

  /** Creates the exception with a message only. */
  public CallNotSupportedException(String message) {
    this(message, null, null, null);
  }
}
