package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file opened and closed per operation (the boltdb store's shared mode) is not mapped anew each
 * time: the maps stay until a garbage collection unmaps them, and hundreds of live maps of one file
 * made every fdatasync of it several times slower (measured: 1.3 ms per sync against 0.25 ms with
 * one map, and a shared-mode put at a third of Go libkv's rate).
 */
class FileMapsTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** How many maps of {@code file} this process has (Linux's /proc/self/maps). */
  private static long mapsOf(Path file) throws IOException {
    String name = file.toRealPath().toString();
    try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.endsWith(" " + name)).count();
    }
  }

  private static void put(Path f, String key, String value) {
    try (BoltDB db = BoltDB.open(f, BoltOptions.builder().build());
        Tx tx = db.beginWrite()) {
      tx.createBucketIfAbsent(b("b")).put(b(key), b(value));
      tx.commit();
    }
  }

  private static String get(Path f, String key) {
    try (BoltDB db = BoltDB.open(f, BoltOptions.builder().readOnly(true).build());
        Tx tx = db.beginRead()) {
      return new String(
          tx.bucket(b("b")).orElseThrow().get(b(key)).orElseThrow(), StandardCharsets.UTF_8);
    }
  }

  @Test
  @DisplayName("opening a file per operation keeps one map of it, not one per open")
  void openPerOperationKeepsOneMap() throws IOException {
    Path f = dir.resolve("shared.db");
    put(f, "k", "v0");
    for (int i = 0; i < 300; i++) {
      put(f, "k", "v" + i);
      assertThat(get(f, "k")).isEqualTo("v" + i);
    }
    assertThat(mapsOf(f)).as("maps of the file after 600 opens").isLessThanOrEqualTo(3);
  }

  @Test
  @DisplayName(
      "a file replaced under its name, at the same size, is read anew, not through the old map")
  void aReplacedFileIsMappedAnew() throws IOException {
    Path f = dir.resolve("replaced.db");
    put(f, "k", "old");
    // a reader of the old file keeps its map alive (a garbage collection would drop it otherwise)
    try (BoltDB held = BoltDB.open(f, BoltOptions.builder().readOnly(true).build());
        Tx oldTx = held.beginRead()) {
      Path copy = dir.resolve("copy.db");
      Files.copy(f, copy);
      put(copy, "k", "new");
      assertThat(Files.size(copy))
          .as("same size: the map's size alone cannot tell")
          .isEqualTo(Files.size(f));
      Files.move(copy, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      assertThat(get(f, "k")).isEqualTo("new");
      put(f, "k", "newer");
      assertThat(get(f, "k")).isEqualTo("newer");
      assertThat(oldTx.bucket(b("b")).orElseThrow().get(b("k"))).contains(b("old"));
    }
  }
}
