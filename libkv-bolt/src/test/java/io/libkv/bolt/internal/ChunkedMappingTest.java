package io.libkv.bolt.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltDump;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.BoltStateException;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Tx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files larger than one buffer (2 GiB) are mapped in chunks; with 64 KiB chunks the same logic runs
 * on small files, including nodes that straddle a chunk boundary.
 */
class ChunkedMappingTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void smallChunksReadTheSameAsOneMap() {
    Path p = tmp.resolve("chunks.db");
    Random r = new Random(3);
    String digest;
    try (BoltDB db = Db.open(p, BoltOptions.defaults(), 16)) {
      for (int t = 0; t < 10; t++) {
        db.update(
            tx -> {
              Bucket bk = tx.createBucketIfAbsent(b("b"));
              for (int i = 0; i < 500; i++) {
                byte[] v =
                    new byte[r.nextInt(20) == 0 ? 30_000 + r.nextInt(100_000) : r.nextInt(200)];
                r.nextBytes(v);
                bk.put(b("k" + r.nextInt(3000)), v);
              }
            });
      }
      assertThat(db.check()).isEmpty();
      digest = db.view(BoltDump::of).digest();
    }
    try (BoltDB db = Db.open(p, BoltOptions.builder().readOnly(true).build(), 16)) {
      assertThat(db.check()).isEmpty();
      assertThat(db.view(BoltDump::of).digest()).isEqualTo(digest);
    }
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().readOnly(true).build())) {
      assertThat(db.view(BoltDump::of).digest()).isEqualTo(digest);
    }
  }

  @Test
  void oneWriteTransactionPerThread() {
    try (BoltDB db = BoltDB.open(tmp.resolve("w.db"));
        Tx tx = db.beginWrite()) {
      assertThatThrownBy(db::beginWrite)
          .isInstanceOf(BoltStateException.class)
          .hasMessageContaining("already has the write transaction");
      tx.createBucket(b("x"));
    }
  }
}
