package io.libkv.cli;

import org.jspecify.annotations.Nullable;

/**
 * A failure the CLI itself detects (bad input, a lock wait that timed out), carrying the exit code
 * that {@code docs/cli.md} assigns to it.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private boolean quiet;

  CliException(int exitCode, @Nullable String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /** A failure that ends the command without an error line (nobody is there to read it). */
  static CliException quiet(int exitCode, String message) {
    CliException e = new CliException(exitCode, message);
    e.quiet = true;
    return e;
  }

  boolean isQuiet() {
    return quiet;
  }

  CliException(int exitCode, @Nullable String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** Invalid input or usage: exit 2. */
  static CliException usage(@Nullable String message) {
    return new CliException(ExitCodes.USAGE, message);
  }

  int exitCode() {
    return exitCode;
  }
}
