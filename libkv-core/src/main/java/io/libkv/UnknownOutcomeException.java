package io.libkv;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The connection failed after a write was sent: it may or may not have been applied. libkv never
 * retries such a write by itself; read the key to find out.
 */
public class UnknownOutcomeException extends StoreUnavailableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param endpoints the endpoints that were tried
   * @param cause the underlying failure, or {@code null}
   */
  public UnknownOutcomeException(
      String message,
      @Nullable String key,
      @Nullable String store,
      List<String> endpoints,
      @Nullable Throwable cause) {
    super(message, key, store, endpoints, cause, ErrorAnchors.of(UnknownOutcomeException.class));
  }
}
