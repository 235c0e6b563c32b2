package io.libkv;

import org.jspecify.annotations.Nullable;

/** A local store file is locked by another process and the wait for it timed out. */
public class StoreLockedException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public StoreLockedException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(StoreLockedException.class));
  }

  /** Creates the exception with a message only. */
  public StoreLockedException(String message) {
    this(message, null, null, null);
  }
}
