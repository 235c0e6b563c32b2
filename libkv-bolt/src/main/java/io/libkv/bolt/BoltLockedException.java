package io.libkv.bolt;

/**
 * The file lock ({@code flock(2)}) could not be taken within the lock timeout: another process (or
 * handle) holds it.
 */
public final class BoltLockedException extends BoltException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message names the file and how long we waited
   */
  public BoltLockedException(String message) {
    super(message);
  }
}
