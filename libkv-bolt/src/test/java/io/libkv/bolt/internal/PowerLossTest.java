package io.libkv.bolt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltDump;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Tx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated power loss at every sync point of a set of transactions: whatever subset of unsynced
 * writes reached the disk (reordered, one torn), the file opens, checks clean, and holds either the
 * last acknowledged state or the one being committed.
 */
@Tag("slow")
class PowerLossTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<Consumer<Tx>> transactions() {
    List<Consumer<Tx>> txs = new ArrayList<>();
    txs.add(tx -> tx.createBucket(b("a")).put(b("k"), b("v")));
    txs.add(
        tx -> {
          Bucket a = tx.bucket(b("a")).orElseThrow();
          for (int i = 0; i < 3000; i++) {
            a.put(b("key" + i), new byte[i % 200]);
          }
        });
    txs.add(tx -> tx.bucket(b("a")).orElseThrow().put(b("big"), new byte[200_000]));
    txs.add(
        tx -> {
          Bucket n = tx.createBucket(b("n"));
          n.createBucket(b("inline")).put(b("x"), b("y"));
          n.setSequence(7);
        });
    txs.add(
        tx -> {
          Bucket a = tx.bucket(b("a")).orElseThrow();
          for (int i = 0; i < 3000; i += 2) {
            a.delete(b("key" + i));
          }
          a.delete(b("big"));
        });
    txs.add(
        tx -> {
          Bucket n = tx.bucket(b("n")).orElseThrow();
          Bucket grown = n.bucket(b("inline")).orElseThrow();
          for (int i = 0; i < 500; i++) {
            grown.put(b("g" + i), new byte[30]);
          }
        });
    txs.add(tx -> tx.deleteBucket(b("a")));
    txs.add(tx -> tx.createBucket(b("c")).put(b("after"), new byte[5000]));
    return txs;
  }

  @Test
  void everySyncPointSurvivesPowerLoss() throws IOException {
    for (boolean noFreelistSync : new boolean[] {false, true}) {
      run(noFreelistSync);
    }
  }

  private void run(boolean noFreelistSync) throws IOException {
    Path file = tmp.resolve("pl-" + noFreelistSync + ".db");
    BoltOptions opts = BoltOptions.builder().pageSize(4096).noFreelistSync(noFreelistSync).build();
    BoltDB.open(file, opts).close();
    Random rnd = new Random(7);
    List<byte[]> images = new ArrayList<>();
    PowerLossFileIO io = new PowerLossFileIO(file, sim -> images.addAll(sim.crashImages(rnd, 4)));
    int checked = 0;
    try (Db db = Db.openWith(file, io, null, opts, Db.DEFAULT_CHUNK_SHIFT)) {
      String acked = db.view(BoltDump::of).digest();
      images.clear();
      for (Consumer<Tx> t : transactions()) {
        db.update(t);
        String committed = db.view(BoltDump::of).digest();
        for (byte[] img : images) {
          String got = openImage(img);
          assertThat(got).as("image after a power cut while committing").isIn(acked, committed);
          checked++;
        }
        images.clear();
        acked = committed;
      }
    }
    assertThat(checked).isGreaterThan(50);
  }

  private String openImage(byte[] img) throws IOException {
    Path p = tmp.resolve("image.db");
    Files.deleteIfExists(p);
    Files.write(p, img);
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().readOnly(true).build())) {
      assertThat(db.check()).isEmpty();
      return db.view(BoltDump::of).digest();
    }
  }
}
