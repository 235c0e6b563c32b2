package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import java.nio.file.Path;
import java.util.HexFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bolt get FILE BUCKET[/NESTED...] KEY [--hex]}: the raw value bytes. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a value's raw bytes (libkv buckets: with the 8-byte index prefix).",
      "Missing bucket or key: exit 1, empty stdout."
    })
final class BoltGetCommand extends BoltFileCommand implements JsonLines {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Parameters(index = "1", paramLabel = "BUCKET[/NESTED...]")
  String bucket;

  @Parameters(index = "2", paramLabel = "KEY", description = "Text, or hex:...")
  String key;

  @Option(names = "--hex", description = "Print the value in hex, with a newline.")
  boolean hex;

  @Override
  public Integer call() {
    BoltFiles.parsePath(bucket);
    byte[] k = BoltFiles.parseName(key);
    byte[] value;
    try (BoltDB db = BoltFiles.openReadOnly(file)) {
      value =
          db.view(tx -> BoltFiles.bucket(tx, file, bucket).get(k))
              .orElseThrow(
                  () ->
                      new CliException(
                          ExitCodes.FALSE,
                          "no key \""
                              + key
                              + "\" in bucket \""
                              + bucket
                              + "\" of "
                              + file
                              + " (or it is a bucket)"));
    }
    if (json()) {
      out()
          .line(
              Json.object()
                  .field("bucket", bucket)
                  .field("key", key)
                  .field("value", Values.base64(value))
                  .toString());
    } else if (hex) {
      out().line(HexFormat.of().formatHex(value));
    } else {
      out().bytes(value);
    }
    return ExitCodes.OK;
  }
}
