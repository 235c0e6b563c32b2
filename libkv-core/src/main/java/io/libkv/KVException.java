package io.libkv;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Base type of every condition a store reports: a missing key, a conflict, an unreachable server.
 *
 * <p>Misuse of the API (a null argument, a call after {@code close()}) is reported with the JDK's
 * standard exceptions instead. Every message names the key and the store where they apply, and ends
 * with the full URL of its entry in {@code docs/errors.md}.
 */
public class KVException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String key;
  private final @Nullable String store;

  /**
   * Creates an exception.
   *
   * @param message what happened, without the key and store (they are appended)
   * @param key the canonical key concerned, or {@code null} when none
   * @param store the store's redacted description, or {@code null} when unknown
   * @param cause the underlying failure, or {@code null}
   */
  public KVException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(compose(message, key, store, ErrorAnchors.of(null)), cause);
    this.key = key;
    this.store = store;
  }

  /** Creates a general store exception with a message and an optional cause. */
  public KVException(String message, @Nullable Throwable cause) {
    this(message, null, null, cause);
  }

  KVException(
      String message,
      @Nullable String key,
      @Nullable String store,
      @Nullable Throwable cause,
      String anchor) {
    super(compose(message, key, store, anchor), cause);
    this.key = key;
    this.store = store;
  }

  private static String compose(
      String message, @Nullable String key, @Nullable String store, String anchor) {
    StringBuilder b = new StringBuilder(message);
    if (key != null) {
      b.append(" [key \"").append(key).append("\"");
      if (store != null) {
        b.append(", store ").append(store);
      }
      b.append(']');
    } else if (store != null) {
      b.append(" [store ").append(store).append(']');
    }
    return b.append(" (see ").append(ErrorAnchors.url(anchor)).append(')').toString();
  }

  /** The canonical key concerned, when the condition is about one key. */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  /** The store's description (URI without secrets), when known. */
  public Optional<String> store() {
    return Optional.ofNullable(store);
  }
}
