package io.libkv.bolt;

/**
 * An argument breaks a limit of the format (empty key, key over 32768 bytes, value too large);
 * nothing was written.
 */
public final class BoltLimitException extends BoltException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message names the limit and the offending size
   */
  public BoltLimitException(String message) {
    super(message);
  }
}
