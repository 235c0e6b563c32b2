package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * A store URI or configuration is invalid: unknown or repeated parameters, bad durations, missing
 * files. The message lists every problem.
 */
public class ConfigurationException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public ConfigurationException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(ConfigurationException.class));
  }

  /** Creates the exception with a message only. */
  public ConfigurationException(String message) {
    this(message, null, null, null);
  }
}
