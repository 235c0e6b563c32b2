package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * A held lock was lost before it was unlocked: the deadline of its last confirmed renewal passed
 * (the holder was paused or cut off for that long), or its session or lease ended. Another client
 * may hold the lock now. Thrown by {@link LockLease#checkHeld()}.
 */
public class LockLostException extends CannotLockException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the lock's canonical key, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public LockLostException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(LockLostException.class));
  }
}
