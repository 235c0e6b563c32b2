package io.libkv.boltdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.Bucket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a store needs memory independent of the data: a child JVM with a 64 MB heap opens a file
 * of more than 1 GiB of values (30 KB to 1 MB each) in each mode, reads a key, watches one and sees
 * it change (in shared mode, through the poller's catch-up of another process's commit), lists it
 * all (which cannot fit: the store's typed error, and the store goes on) and closes; and compacts
 * it.
 */
@Tag("slow")
class BigFileMemoryTest {
  private static final long DATA_BYTES = 1L << 30;

  /** The file, plus room for the freelist and the writes of the test. */
  private static final long DISK_NEEDED = DATA_BYTES + (DATA_BYTES / 2);

  private static final String HEAP = "-Xmx64m";

  /**
   * "Pause Young (Allocation Failure) 20M->5M(61M)": the heap in use before and after, and its
   * size.
   */
  private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  @TempDir static Path dir;

  private static Path file;
  private static int firstLength;

  @BeforeAll
  static void buildFile() throws IOException {
    long free = Files.getFileStore(dir).getUsableSpace();
    assertThat(free)
        .as("free disk for a %d-byte bbolt file under %s", DATA_BYTES, dir)
        .isGreaterThanOrEqualTo(DISK_NEEDED);
    file = dir.resolve("big.db");
    Random rnd = new Random(11);
    byte[] pattern = new byte[1 << 20];
    rnd.nextBytes(pattern);
    long written = 0;
    long index = 0;
    // in the libkv layout (8-byte little-endian index, then the value), with big unsynced commits
    try (BoltDB db = BoltDB.open(file, BoltOptions.builder().noSync(true).build())) {
      while (written < DATA_BYTES) {
        long batch = 0;
        try (var tx = db.beginWrite()) {
          Bucket b = tx.createBucketIfAbsent("libkv".getBytes(StandardCharsets.UTF_8));
          while (batch < 64L << 20 && written + batch < DATA_BYTES) {
            int len = 30_000 + rnd.nextInt((1 << 20) - 30_000 + 1);
            index++;
            byte[] v = new byte[8 + len];
            ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(index);
            System.arraycopy(
                pattern, (int) (index % 997), v, 8, Math.min(len, pattern.length - 997));
            if (index == 1) {
              firstLength = len;
            }
            b.put(key(index).getBytes(StandardCharsets.UTF_8), v);
            batch += len;
          }
          tx.commit();
        }
        written += batch;
      }
    }
    System.out.printf(
        "built %s: %d values, %d value bytes, %d file bytes%n",
        file.getFileName(), index, written, Files.size(file));
  }

  private static String key(long i) {
    return String.format("big/%06d", i);
  }

  @Test
  void exclusiveModeOpensReadsWatchesAndClosesInA64MbHeap() throws Exception {
    runChild("boltdb:" + file, "self", "exclusive");
  }

  @Test
  void sharedModeOpensReadsAndCatchesUpAnotherProcessesCommitInA64MbHeap() throws Exception {
    runChild("boltdb:" + file + "?mode=shared", "parent", "shared");
  }

  @Test
  void compactionCopiesTheFileInA64MbHeap() throws Exception {
    Path copy = dir.resolve("compacted.db");
    try {
      List<String> lines = child("compact", "compact", file.toString(), copy.toString());
      assertThat(lines).contains("CLOSED");
      try (BoltDB db = BoltDB.open(copy, BoltOptions.builder().readOnly(true).build())) {
        int stored =
            db.view(
                tx ->
                    tx.bucket("libkv".getBytes(StandardCharsets.UTF_8))
                        .orElseThrow()
                        .view(key(1).getBytes(StandardCharsets.UTF_8))
                        .orElseThrow()
                        .remaining());
        assertThat(stored).isEqualTo(8 + firstLength);
      }
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  private void runChild(String uri, String writer, String name) throws Exception {
    List<String> lines =
        child(name, uri, key(1), Integer.toString(firstLength), "watched-" + name, writer);
    assertThat(lines)
        .contains(
            "READ " + firstLength,
            "WATCH ABSENT",
            "EVENT PUT changed",
            "LIST KVException caused by OutOfMemoryError",
            "READ AGAIN " + firstLength,
            "CLOSED");
  }

  private List<String> child(String name, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path gcLog = dir.resolve("gc-" + name + ".log");
    Path err = dir.resolve("err-" + name + ".txt");
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                HEAP,
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-Xlog:gc:file=" + gcLog,
                "-cp",
                System.getProperty("java.class.path"),
                BigFileMain.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
    List<String> lines = new ArrayList<>();
    try (var r = p.inputReader(StandardCharsets.US_ASCII);
        OutputStream in = p.getOutputStream()) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lines.add(line);
        System.out.println(name + " child: " + line);
        if (line.equals("READY")) {
          // another process's commit, which the child's poller must catch up with
          try (Store s = LibKV.open("boltdb:" + file + "?mode=shared")) {
            s.put("watched-" + name, "changed".getBytes(StandardCharsets.UTF_8));
          }
          in.write('\n');
          in.flush();
        }
      }
    }
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("child exited").isTrue();
    String stderr = Files.readString(err);
    List<String> gc = Files.readAllLines(gcLog);
    long peak = 0;
    for (String l : gc) {
      Matcher m = GC_LINE.matcher(l);
      if (m.find()) {
        peak = Math.max(peak, Long.parseLong(m.group(1)));
      }
    }
    System.out.println(
        name
            + " child: heap peak before a collection "
            + peak
            + " MB over "
            + gc.size()
            + " GC lines");
    assertThat(p.exitValue())
        .as("child exit status; stdout %s; stderr:%n%s", lines, stderr)
        .isZero();
    assertThat(stderr).as("child stderr").doesNotContain("OutOfMemoryError");
    return lines;
  }
}
