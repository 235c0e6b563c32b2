package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * A lock could not be acquired or kept for a reason other than waiting (e.g. its key is taken by a
 * plain value).
 */
public class CannotLockException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public CannotLockException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    this(message, key, store, cause, ErrorAnchors.of(CannotLockException.class));
  }

  CannotLockException(
      String message,
      @Nullable String key,
      @Nullable String store,
      @Nullable Throwable cause,
      String anchor) {
    super(message, key, store, cause, anchor);
  }

  /** Creates the exception with a message only. */
  public CannotLockException(String message) {
    this(message, null, null, null);
  }
}
