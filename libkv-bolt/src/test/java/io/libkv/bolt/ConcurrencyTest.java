package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers see snapshots while the writer commits; an open reader never blocks the writer. */
class ConcurrencyTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] num(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  @Test
  void threadsShareOneReadTransaction() throws Exception {
    try (BoltDB db =
        BoltDB.open(tmp.resolve("shared-tx.db"), BoltOptions.builder().noSync(true).build())) {
      db.update(
          tx -> {
            Bucket outer = tx.createBucket(b("b"));
            Bucket inner = outer.createBucket(b("inner"));
            for (int i = 0; i < 20_000; i++) {
              outer.put(b(String.format("k%06d", i)), num(i));
            }
            inner.put(b("x"), b("y"));
          });
      try (Tx reader = db.beginRead()) {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
          List<Future<?>> fs = new ArrayList<>();
          for (int t = 0; t < 4; t++) {
            int seed = t;
            fs.add(
                pool.submit(
                    () -> {
                      java.util.Random r = new java.util.Random(seed);
                      for (int n = 0; n < 50_000; n++) {
                        int i = r.nextInt(20_000);
                        Bucket bk = reader.bucket(b("b")).orElseThrow();
                        assertThat(bk.get(b(String.format("k%06d", i)))).hasValue(num(i));
                        if (n % 1000 == 0) {
                          assertThat(reader.bucket(b("b"), b("inner")).orElseThrow().get(b("x")))
                              .hasValue(b("y"));
                          Cursor c = bk.cursor();
                          int seen = 0;
                          for (var e = c.seek(b(String.format("k%06d", i)));
                              e.isPresent() && seen < 50;
                              e = c.next()) {
                            seen++;
                          }
                          assertThat(seen).isEqualTo(Math.min(50, 20_000 - i));
                        }
                      }
                      return null;
                    }));
          }
          for (Future<?> f : fs) {
            f.get(120, TimeUnit.SECONDS);
          }
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  @Test
  void readerKeepsItsSnapshotAndDoesNotBlockTheWriter() throws Exception {
    try (BoltDB db =
        BoltDB.open(tmp.resolve("snap.db"), BoltOptions.builder().noSync(true).build())) {
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            for (int i = 0; i < 2000; i++) {
              bk.put(b("k" + i), b("old"));
            }
          });
      try (Tx reader = db.beginRead()) {
        for (int round = 0; round < 20; round++) {
          db.update(
              tx -> {
                Bucket bk = tx.bucket(b("b")).orElseThrow();
                for (int i = 0; i < 2000; i++) {
                  bk.put(b("k" + i), new byte[300]);
                }
                bk.delete(b("k5"));
              });
        }
        Bucket bk = reader.bucket(b("b")).orElseThrow();
        for (int i = 0; i < 2000; i++) {
          assertThat(bk.get(b("k" + i))).hasValue(b("old"));
        }
        assertThat(reader.check()).isEmpty();
      }
      assertThat(db.check()).isEmpty();
    }
  }

  @Test
  void concurrentReadersSeeConsistentCounters() throws Exception {
    try (BoltDB db =
        BoltDB.open(tmp.resolve("conc.db"), BoltOptions.builder().noSync(true).build())) {
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            for (int i = 0; i < 100; i++) {
              bk.put(b("k" + i), num(0));
            }
          });
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            pool.submit(
                () -> {
                  int snapshots = 0;
                  while (!stop.get()) {
                    try (Tx tx = db.beginRead()) {
                      Bucket bk = tx.bucket(b("b")).orElseThrow();
                      long first = ByteBuffer.wrap(bk.get(b("k0")).orElseThrow()).getLong();
                      for (int i = 0; i < 100; i++) {
                        long v = ByteBuffer.wrap(bk.get(b("k" + i)).orElseThrow()).getLong();
                        assertThat(v)
                            .as("all keys of one snapshot carry the same counter")
                            .isEqualTo(first);
                      }
                      assertThat(bk.sequence()).isEqualTo(first);
                      snapshots++;
                    }
                  }
                  return snapshots;
                }));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      long n = 0;
      while (System.nanoTime() < deadline) {
        long next = ++n;
        db.update(
            tx -> {
              Bucket bk = tx.bucket(b("b")).orElseThrow();
              for (int i = 0; i < 100; i++) {
                bk.put(b("k" + i), num(next));
              }
              bk.setSequence(next);
            });
      }
      stop.set(true);
      for (Future<Integer> f : readers) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isPositive();
      }
      pool.shutdown();
      assertThat(n).isGreaterThan(10);
      assertThat(db.check()).isEmpty();
    }
  }
}
