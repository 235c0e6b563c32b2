package io.libkv.bolt;

import io.libkv.bolt.internal.BucketImpl;
import io.libkv.bolt.internal.CursorImpl;
import io.libkv.bolt.internal.TxImpl;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Performance figures without JMH (not a test): random gets in one read transaction on a 100k-key
 * file, and an end-to-end scan of a large file with the heap watched. Reports wall and CPU time,
 * since this machine is shared. Run: {@code java -cp <test classpath> io.libkv.bolt.PerfMain
 * [GiB]}.
 */
public final class PerfMain {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private PerfMain() {}

  /**
   * @param args optional size in GiB of the large-file scan (default 1)
   */
  public static void main(String[] args) throws Exception {
    double gib = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
    Path dir = Files.createTempDirectory("bolt-perf");
    randomGets(dir.resolve("100k.db"));
    largeScan(dir.resolve("large.db"), (long) (gib * (1L << 30)));
  }

  private static byte[] key(int i) {
    byte[] k = new byte[8];
    ByteBuffer.wrap(k).putInt(i);
    return k;
  }

  private static void randomGets(Path p) {
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().noSync(true).build())) {
      db.update(
          tx -> {
            Bucket b = tx.createBucket("b".getBytes(StandardCharsets.UTF_8));
            for (int i = 1; i <= 100_000; i++) {
              b.put(key(i), new byte[32]);
            }
          });
      try (Tx tx = db.beginRead()) {
        Bucket b = tx.bucket("b".getBytes(StandardCharsets.UTF_8)).orElseThrow();
        byte[][] keys = new byte[100_000][];
        for (int i = 0; i < keys.length; i++) {
          keys[i] = key(i + 1);
        }
        Random r = new Random(1);
        for (int round = 0; round < 3; round++) {
          int n = 2_000_000;
          long w0 = System.nanoTime();
          long c0 = THREADS.getCurrentThreadCpuTime();
          long found = 0;
          for (int i = 0; i < n; i++) {
            if (b.get(keys[r.nextInt(keys.length)]).isPresent()) {
              found++;
            }
          }
          long wall = System.nanoTime() - w0;
          long cpu = THREADS.getCurrentThreadCpuTime() - c0;
          System.out.printf(
              "random get, 100k keys, one read tx: %,d gets: %.2f M/s wall, %.2f M/s CPU (found %d)%n",
              n, n * 1e3 / wall, n * 1e3 / cpu, found);
        }
      }
    } finally {
      p.toFile().delete();
    }
  }

  private static void largeScan(Path p, long bytes) {
    int valueSize = 64 * 1024;
    long values = bytes / valueSize;
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().noSync(true).build())) {
      byte[] v = new byte[valueSize];
      for (long done = 0; done < values; ) {
        long start = done;
        long end = Math.min(values, done + 100);
        db.update(
            tx -> {
              Bucket b = tx.createBucketIfAbsent("big".getBytes(StandardCharsets.UTF_8));
              for (long i = start; i < end; i++) {
                v[0] = (byte) i;
                b.put(key((int) i), v);
              }
            });
        done = end;
      }
    }
    System.out.printf("large file: %,d bytes%n", p.toFile().length());
    System.gc();
    long heapBefore = MEMORY.getHeapMemoryUsage().getUsed();
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().readOnly(true).build());
        TxImpl tx = (TxImpl) db.beginRead()) {
      BucketImpl b = (BucketImpl) tx.bucket("big".getBytes(StandardCharsets.UTF_8)).orElseThrow();
      long w0 = System.nanoTime();
      long sum = 0;
      long checksum = 0;
      long maxHeap = 0;
      long n = 0;
      CursorImpl c = b.cursor();
      for (boolean ok = c.moveFirst(); ok; ok = c.moveNext()) {
        ByteBuffer v = c.valueViewHere();
        for (int i = 0; i + 8 <= v.limit(); i += 8) {
          checksum += v.getLong(i);
        }
        sum += v.limit();
        if (++n % 1000 == 0) {
          maxHeap = Math.max(maxHeap, MEMORY.getHeapMemoryUsage().getUsed());
        }
      }
      long wall = System.nanoTime() - w0;
      System.out.printf(
          "scan of %,d values (%,d bytes) in %.2f s; heap before %,d, max during %,d bytes (checksum %x)%n",
          n, sum, wall / 1e9, heapBefore, maxHeap, checksum);
    } finally {
      p.toFile().delete();
    }
  }
}
