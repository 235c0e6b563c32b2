package io.libkv.bolt;

/**
 * An operation is not allowed in the current state: the database or transaction is closed, the
 * transaction is read-only, a bucket already exists or is missing, or a key holds a bucket where a
 * plain value was expected (or the reverse).
 */
public final class BoltStateException extends BoltException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was attempted and why it is refused
   */
  public BoltStateException(String message) {
    super(message);
  }
}
