package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * A {@link View} cannot vouch for its image: its watch failed, it has been disconnected for longer
 * than {@link ViewOptions#maxStaleness()}, or it did not show the caller's own write within {@link
 * ViewOptions#readYourWritesTimeout()}. Nothing stale was returned.
 */
public class StaleViewException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why the view cannot answer
   * @param key the key or directory read
   * @param store the store's redacted description
   * @param cause the watch's failure, or {@code null}
   */
  public StaleViewException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(StaleViewException.class));
  }
}
