package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * {@link Store#update} found the key changed by others on every attempt; nothing was written by the
 * last attempt. A {@link KeyModifiedException}, so code catching that catches this.
 */
public class UpdateConflictException extends KeyModifiedException {
  private static final long serialVersionUID = 1L;

  private final int attempts;

  /**
   * Creates the exception.
   *
   * @param attempts how many compare-and-set attempts failed
   * @param key the canonical key
   * @param store the store's redacted description
   */
  public UpdateConflictException(int attempts, @Nullable String key, @Nullable String store) {
    super(
        "update gave up after " + attempts + " attempts: the key changed before each write",
        key,
        store,
        null,
        ErrorAnchors.of(UpdateConflictException.class));
    this.attempts = attempts;
  }

  /** How many attempts failed. */
  public int attempts() {
    return attempts;
  }
}
