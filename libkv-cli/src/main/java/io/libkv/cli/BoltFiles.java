package io.libkv.cli;

import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltException;
import io.libkv.bolt.BoltLockedException;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Tx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What the {@code bolt} subcommands share: opening a file read-only with clear errors, and bucket
 * and key names as text or {@code hex:...} both ways.
 */
final class BoltFiles {
  static final String HEX_PREFIX = "hex:";

  /**
   * A shared lock coexists with other readers and with libkv's shared-mode writers between their
   * operations.
   */
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);

  private BoltFiles() {}

  /**
   * Opens an existing file read-only; a missing file is a usage error (2), a damaged or locked one
   * exit 5.
   */
  static BoltDB openReadOnly(Path file) {
    requireFile(file);
    try {
      return BoltDB.open(
          file, BoltOptions.builder().readOnly(true).lockTimeout(LOCK_TIMEOUT).build());
    } catch (BoltCorruptionException e) {
      throw new CliException(ExitCodes.OTHER, "not a bbolt file or damaged: " + e.getMessage(), e);
    } catch (BoltLockedException e) {
      throw new CliException(ExitCodes.OTHER, e.getMessage(), e);
    } catch (BoltException e) {
      throw new CliException(ExitCodes.OTHER, "cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  static void requireFile(Path file) {
    if (!Files.exists(file)) {
      throw CliException.usage("no such file: " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw CliException.usage("not a regular file: " + file);
    }
  }

  /**
   * A bucket or key name as shown: text when printable UTF-8 (and unambiguous), else {@code
   * hex:...}.
   */
  static String name(byte[] name, boolean segment) {
    Optional<String> text = Values.printable(name);
    if (text.isEmpty()
        || text.get().isEmpty()
        || text.get().startsWith(HEX_PREFIX)
        || (segment && text.get().contains("/"))) {
      return HEX_PREFIX + HexFormat.of().formatHex(name);
    }
    return text.get();
  }

  /** A name given on the command line: {@code hex:...} or text. */
  static byte[] parseName(String s) {
    if (s.startsWith(HEX_PREFIX)) {
      try {
        return HexFormat.of().parseHex(s.substring(HEX_PREFIX.length()));
      } catch (IllegalArgumentException e) {
        throw CliException.usage("bad hex name \"" + s + "\": " + e.getMessage());
      }
    }
    if (s.isEmpty()) {
      throw CliException.usage("empty bucket or key name");
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code a/b/c} as a bucket path, each segment text or {@code hex:...}. */
  static byte[][] parsePath(String path) {
    List<byte[]> segments = new ArrayList<>();
    for (String s : path.split("/", -1)) {
      segments.add(parseName(s));
    }
    return segments.toArray(new byte[0][]);
  }

  /** The bucket at {@code path}; a missing one exits 1. */
  static Bucket bucket(Tx tx, Path file, String path) {
    return tx.bucket(parsePath(path))
        .orElseThrow(
            () -> new CliException(ExitCodes.FALSE, "no bucket \"" + path + "\" in " + file));
  }
}
