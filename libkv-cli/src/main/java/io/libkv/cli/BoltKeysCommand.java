package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.Cursor;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code bolt keys FILE BUCKET[/NESTED...]}: the bucket's keys (nested buckets' names too, as Go's
 * tool).
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = {
      "Lists a bucket's keys in order, one per line (text, else hex:...), nested buckets' names included.",
      "Missing bucket: exit 1."
    })
final class BoltKeysCommand extends BoltFileCommand implements JsonLines {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Parameters(index = "1", paramLabel = "BUCKET[/NESTED...]")
  String bucket;

  @Override
  public Integer call() {
    BoltFiles.parsePath(bucket); // bad names are usage errors before the file is opened
    try (BoltDB db = BoltFiles.openReadOnly(file)) {
      db.view(
          tx -> {
            Cursor c = BoltFiles.bucket(tx, file, bucket).cursor();
            // keys only: the values of a big file are never copied
            for (Optional<byte[]> k = c.firstKey(); k.isPresent(); k = c.nextKey()) {
              String name = BoltFiles.name(k.get(), false);
              out().line(json() ? Json.object().field("key", name).toString() : name);
            }
            return null;
          });
    }
    return ExitCodes.OK;
  }
}
