package io.libkv.recipes.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A resource that leaders in several processes write to, fenced by their term: an append whose term
 * is lower than the highest accepted so far is refused. Both outcomes are recorded, so a test can
 * read what every leader tried and what got through. Processes serialise on a file lock.
 */
final class FileFencedLog {
  /** One line of the log. */
  record Entry(boolean accepted, long term, String node, long wallMillis) {}

  private final Path fence;
  private final Path log;

  FileFencedLog(Path dir) {
    this.fence = dir.resolve("fence");
    this.log = dir.resolve("log");
  }

  /** Appends an action of {@code node} under {@code term}; false if the fence refused it. */
  boolean append(long term, String node) {
    try (FileChannel ch =
            FileChannel.open(
                fence,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock held = ch.lock()) {
      assert held.isValid();
      ByteBuffer b = ByteBuffer.allocate(64);
      ch.read(b, 0);
      String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
      long highest = text.isEmpty() ? 0 : Long.parseLong(text);
      boolean ok = term >= highest;
      if (ok && term > highest) {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(Long.toString(term).getBytes(StandardCharsets.US_ASCII)), 0);
      }
      Files.writeString(
          log,
          (ok ? "A " : "R ") + term + " " + node + " " + System.currentTimeMillis() + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      ch.force(false);
      return ok;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything tried so far, in order. */
  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    try {
      if (!Files.exists(log)) {
        return out;
      }
      for (String l : Files.readAllLines(log)) {
        String[] f = l.split(" ");
        if (f.length == 4) {
          out.add(new Entry(f[0].equals("A"), Long.parseLong(f[1]), f[2], Long.parseLong(f[3])));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
