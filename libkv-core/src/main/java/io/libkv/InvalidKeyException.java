package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * The key breaks the key rules (empty, empty or dot segment, control character, too long, reserved
 * namespace, a character the backend refuses); {@link #rule()} says which.
 */
public class InvalidKeyException extends KVException {
  private static final long serialVersionUID = 1L;

  private final String rule;

  /**
   * Creates the exception.
   *
   * @param rule the rule broken
   * @param key the key (printable form), or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public InvalidKeyException(
      String rule, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(rule, key, store, cause, ErrorAnchors.of(InvalidKeyException.class));
    this.rule = rule;
  }

  /** Creates the exception with a rule only. */
  public InvalidKeyException(String rule) {
    this(rule, null, null, null);
  }

  /** The rule the key breaks, without key or store. */
  public String rule() {
    return rule;
  }
}
