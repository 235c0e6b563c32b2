package io.libkv;

import org.jspecify.annotations.Nullable;

/** No installed backend handles the URI's scheme; the message lists the installed ones. */
public class BackendNotSupportedException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public BackendNotSupportedException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(BackendNotSupportedException.class));
  }

  /** Creates the exception with a message only. */
  public BackendNotSupportedException(String message) {
    this(message, null, null, null);
  }
}
