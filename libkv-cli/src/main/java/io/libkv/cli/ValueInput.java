package io.libkv.cli;

import io.libkv.bolt.BoltIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a value comes from: the argument, stdin ({@code -}), a file, or base64 text; exactly one.
 */
final class ValueInput {
  private ValueInput() {}

  /**
   * Reads the value.
   *
   * @param value the VALUE argument, {@code -} for stdin, or null
   * @param file the {@code --file} argument, or null
   * @param base64 the {@code --base64} argument, or null
   * @throws CliException exit 2 unless exactly one source is given and readable
   */
  static byte[] read(
      Cli cli, @Nullable String value, @Nullable Path file, @Nullable String base64) {
    int given = (value != null ? 1 : 0) + (file != null ? 1 : 0) + (base64 != null ? 1 : 0);
    if (given != 1) {
      throw CliException.usage(
          given == 0
              ? "a value is needed: VALUE, - (stdin), --file F or --base64 B64"
              : "give the value once: VALUE, - (stdin), --file F or --base64 B64 are exclusive");
    }
    if (file != null) {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw CliException.usage("cannot read value file " + file + ": " + describe(e));
      }
    }
    if (base64 != null) {
      try {
        return Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--base64: invalid base64: " + e.getMessage());
      }
    }
    if (Objects.requireNonNull(value).equals("-")) { // exactly one source was given: VALUE
      try {
        return cli.in().readAllBytes();
      } catch (IOException e) {
        throw CliException.usage("cannot read the value from stdin: " + describe(e));
      }
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** What the operating system said, as every message of the CLI and the bolt engine says it. */
  static String describe(IOException e) {
    return BoltIOException.reason(e);
  }
}
