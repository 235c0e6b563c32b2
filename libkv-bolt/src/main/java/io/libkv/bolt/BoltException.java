package io.libkv.bolt;

/** Base of every error the bbolt engine reports; unchecked. */
public class BoltException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what went wrong, naming the file, page or limit involved
   */
  public BoltException(String message) {
    super(message);
  }

  /**
   * @param message what went wrong
   * @param cause the underlying error
   */
  public BoltException(String message, Throwable cause) {
    super(message, cause);
  }
}
