package io.libkv.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output as bytes: values are written exactly, text lines end with {@code \n} on every
 * platform. A write that fails (a closed pipe) becomes a {@link CliException}, exit 5.
 */
final class Output {
  private final OutputStream out;

  Output(OutputStream raw) {
    this.out = new BufferedOutputStream(raw, 1 << 16);
  }

  /** Writes bytes exactly. */
  void bytes(byte[] b) {
    try {
      out.write(b);
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** Writes a line of text in UTF-8. */
  void line(String s) {
    bytes((s + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a line and flushes it at once (watch output is read as it happens). */
  void lineNow(String s) {
    line(s);
    flush();
  }

  void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** The exit status of a process killed by SIGPIPE, which is what a C tool would get. */
  static final int BROKEN_PIPE = 128 + 13;

  private static CliException failed(IOException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("Broken pipe")) {
      // the reader went away (libkv ls | head): end quietly, as a C tool killed by SIGPIPE does
      return CliException.quiet(BROKEN_PIPE, "standard output closed by the reader");
    }
    return new CliException(ExitCodes.OTHER, "cannot write to standard output: " + m, e);
  }
}
