package io.libkv;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The store could not be reached or did not answer within the configured timeout. The message names
 * the endpoints tried (never credentials).
 */
public class StoreUnavailableException extends KVException {
  private static final long serialVersionUID = 1L;

  private final List<String> endpoints;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param endpoints the endpoints that were tried
   * @param cause the underlying failure, or {@code null}
   */
  public StoreUnavailableException(
      String message,
      @Nullable String key,
      @Nullable String store,
      List<String> endpoints,
      @Nullable Throwable cause) {
    this(message, key, store, endpoints, cause, ErrorAnchors.of(StoreUnavailableException.class));
  }

  StoreUnavailableException(
      String message,
      @Nullable String key,
      @Nullable String store,
      List<String> endpoints,
      @Nullable Throwable cause,
      String anchor) {
    super(
        message
            + (endpoints.isEmpty()
                ? ""
                : " (endpoints tried: " + String.join(", ", endpoints) + ")"),
        key,
        store,
        cause,
        anchor);
    this.endpoints = List.copyOf(endpoints);
  }

  /** The endpoints that were tried. */
  public List<String> endpoints() {
    return endpoints;
  }
}
