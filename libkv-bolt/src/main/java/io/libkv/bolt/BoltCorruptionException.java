package io.libkv.bolt;

/**
 * The file is not a valid bbolt database, or is damaged; the message names the page and the
 * problem.
 */
public final class BoltCorruptionException extends BoltException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the page and what is wrong with it
   */
  public BoltCorruptionException(String message) {
    super(message);
  }
}
