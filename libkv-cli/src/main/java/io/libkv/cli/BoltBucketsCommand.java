package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Entry;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bolt buckets FILE}: every bucket path, nested ones as {@code a/b}, in file order. */
@Command(
    name = "buckets",
    mixinStandardHelpOptions = true,
    description = "Lists every bucket, one path per line (a/b for nested; text, else hex:...).")
final class BoltBucketsCommand extends BoltFileCommand implements JsonLines {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Override
  public Integer call() {
    try (BoltDB db = BoltFiles.openReadOnly(file)) {
      db.view(
          tx -> {
            Cursor c = tx.cursor();
            for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
              String path = BoltFiles.name(e.get().key(), true);
              line(path);
              nested(tx.bucket(e.get().key()).orElseThrow(), path);
            }
            return null;
          });
    }
    return ExitCodes.OK;
  }

  private void line(String path) {
    out().line(json() ? Json.object().field("bucket", path).toString() : path);
  }

  private void nested(Bucket b, String path) {
    Cursor c = b.cursor();
    for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
      if (e.get().isBucket()) {
        String sub = path + "/" + BoltFiles.name(e.get().key(), true);
        line(sub);
        nested(b.bucket(e.get().key()).orElseThrow(), sub);
      }
    }
  }
}
