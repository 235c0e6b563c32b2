package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes, reopens and reads back; {@code check()} must stay clean; a seeded random run against a
 * TreeMap model.
 */
class RoundTripTest {
  @TempDir Path tmp;

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private BoltDB open(Path p) {
    return BoltDB.open(p);
  }

  @Test
  void newFileHasGoInitialLayout() {
    Path p = tmp.resolve("new.db");
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().pageSize(4096).build())) {
      assertThat(db.pageSize()).isEqualTo(4096);
      assertThat(db.check()).isEmpty();
      BoltStats s = db.stats();
      assertThat(s.highWater()).isEqualTo(4);
      assertThat(s.txid()).isEqualTo(1);
    }
    assertThat(p.toFile().length()).isEqualTo(16384);
  }

  @Test
  void manyKeysNestedInlineAndOverflowSurviveReopen() {
    Path p = tmp.resolve("rt.db");
    byte[] big = new byte[3 * 1024 * 1024 + 17];
    new Random(1).nextBytes(big);
    try (BoltDB db = open(p)) {
      db.update(
          tx -> {
            Bucket a = tx.createBucket(b("alpha"));
            for (int i = 0; i < 20000; i++) {
              a.put(b(String.format("key-%06d", i)), b("value-" + i));
            }
            Bucket nested = a.createBucket(b("nested"));
            nested.put(b("x"), b("y"));
            Bucket deep = nested.createBucket(b("deep"));
            deep.put(b("big"), big);
            deep.setSequence(-1L);
            tx.createBucket(b("empty"));
            Bucket in = tx.createBucket(b("inline"));
            in.put(b("k"), new byte[10]);
            in.nextSequence();
          });
      assertThat(db.check()).isEmpty();
    }
    try (BoltDB db = open(p);
        Tx tx = db.beginRead()) {
      Bucket a = tx.bucket(b("alpha")).orElseThrow();
      for (int i = 0; i < 20000; i += 7) {
        assertThat(a.get(b(String.format("key-%06d", i)))).hasValue(b("value-" + i));
      }
      assertThat(a.get(b("nested"))).isEmpty();
      Bucket deep = tx.bucket(b("alpha"), b("nested"), b("deep")).orElseThrow();
      assertThat(deep.get(b("big"))).hasValueSatisfying(v -> assertThat(v).isEqualTo(big));
      assertThat(deep.sequence()).isEqualTo(-1L);
      assertThat(tx.bucket(b("inline")).orElseThrow().sequence()).isEqualTo(1);
      assertThat(tx.bucket(b("empty")).orElseThrow().cursor().first()).isEmpty();
      BoltStats s = tx.stats();
      assertThat(s.keys()).isEqualTo(20000 + 1 + 1 + 1);
      assertThat(s.inlineBuckets()).isEqualTo(2);
      assertThat(s.overflowPages()).isGreaterThan(700);
      assertThat(tx.check()).isEmpty();
    }
  }

  @Test
  void viewsShowTheValueInPlaceReadOnlyInBothKindsOfTransaction() {
    Path p = tmp.resolve("view.db");
    byte[] big = new byte[20000]; // an overflow page run
    new Random(2).nextBytes(big);
    try (BoltDB db = open(p)) {
      db.update(
          tx -> {
            Bucket a = tx.createBucket(b("a"));
            for (int i = 0; i < 2000; i++) {
              a.put(b(String.format("key-%05d", i)), b("value-" + i));
            }
            a.put(b("big"), big);
            a.put(b("empty"), new byte[0]);
            a.createBucket(b("child"));
            Bucket in = tx.createBucket(b("inline"));
            in.put(b("k"), b("v"));
          });
      try (Tx tx = db.beginRead()) {
        Bucket a = tx.bucket(b("a")).orElseThrow();
        for (int i = 0; i < 2000; i += 13) {
          byte[] k = b(String.format("key-%05d", i));
          assertThat(bytes(a.view(k).orElseThrow())).isEqualTo(a.get(k).orElseThrow());
        }
        java.nio.ByteBuffer v = a.view(b("big")).orElseThrow();
        assertThat(v.isReadOnly()).isTrue();
        assertThat(bytes(v)).isEqualTo(big);
        assertThatThrownBy(() -> v.put(0, (byte) 1))
            .isInstanceOf(java.nio.ReadOnlyBufferException.class);
        assertThat(a.view(b("empty")).orElseThrow().remaining()).isZero();
        assertThat(a.view(b("missing"))).isEmpty();
        assertThat(a.view(b("child"))).isEmpty();
        assertThat(bytes(tx.bucket(b("inline")).orElseThrow().view(b("k")).orElseThrow()))
            .isEqualTo(b("v"));
      }
      db.update(
          tx -> {
            Bucket a = tx.bucket(b("a")).orElseThrow();
            a.put(b("key-00007"), b("changed"));
            java.nio.ByteBuffer v = a.view(b("key-00007")).orElseThrow();
            assertThat(v.isReadOnly()).isTrue();
            assertThat(bytes(v)).isEqualTo(b("changed"));
            assertThat(bytes(a.view(b("key-00008")).orElseThrow())).isEqualTo(b("value-8"));
          });
      assertThat(db.check()).isEmpty();
    }
  }

  private static byte[] bytes(java.nio.ByteBuffer v) {
    byte[] out = new byte[v.remaining()];
    v.duplicate().get(out);
    return out;
  }

  @Test
  void cursorWalksBothWaysAndSeeks() {
    try (BoltDB db = open(tmp.resolve("c.db"))) {
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            for (int i = 0; i < 5000; i += 2) {
              bk.put(b(String.format("%05d", i)), b("v"));
            }
            bk.createBucket(b("zz-sub"));
          });
      db.view(
          tx -> {
            Cursor c = tx.bucket(b("b")).orElseThrow().cursor();
            assertThat(c.first().orElseThrow().key()).isEqualTo(b("00000"));
            assertThat(c.next().orElseThrow().key()).isEqualTo(b("00002"));
            assertThat(c.prev().orElseThrow().key()).isEqualTo(b("00000"));
            assertThat(c.prev()).isEmpty();
            Entry last = c.last().orElseThrow();
            assertThat(last.key()).isEqualTo(b("zz-sub"));
            assertThat(last.isBucket()).isTrue();
            assertThat(c.prev().orElseThrow().key()).isEqualTo(b("04998"));
            assertThat(c.seek(b("01001")).orElseThrow().key()).isEqualTo(b("01002"));
            assertThat(c.seek(b("zzz"))).isEmpty();
            int n = 0;
            for (Optional<Entry> e = c.last(); e.isPresent(); e = c.prev()) {
              n++;
            }
            assertThat(n).isEqualTo(2501);
            return null;
          });
    }
  }

  @Test
  void cursorWalksKeysAndReadsValuesInPlace() {
    try (BoltDB db = open(tmp.resolve("k.db"))) {
      byte[] big = new byte[100_000]; // on overflow pages
      Arrays.fill(big, (byte) 7);
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            bk.put(b("a"), b("small"));
            bk.put(b("b"), big);
            bk.createBucket(b("c-sub"));
            bk.put(b("d"), b("last"));
            Cursor c = bk.cursor();
            assertThat(c.seekKey(b("b")).orElseThrow()).isEqualTo(b("b"));
            assertThat(c.valueView().orElseThrow().remaining())
                .isEqualTo(big.length); // a dirty node too
          });
      db.view(
          tx -> {
            Cursor c = tx.bucket(b("b")).orElseThrow().cursor();
            assertThat(c.valueView()).as("not positioned").isEmpty();
            List<String> keys = new ArrayList<>();
            List<Integer> lengths = new ArrayList<>();
            for (Optional<byte[]> k = c.firstKey(); k.isPresent(); k = c.nextKey()) {
              keys.add(new String(k.get(), StandardCharsets.UTF_8));
              lengths.add(c.valueView().map(v -> v.remaining()).orElse(-1));
            }
            assertThat(keys).containsExactly("a", "b", "c-sub", "d");
            assertThat(lengths).containsExactly(5, big.length, -1, 4);
            assertThat(c.valueView()).as("past the end").isEmpty();
            assertThat(c.seekKey(b("b")).orElseThrow()).isEqualTo(b("b"));
            java.nio.ByteBuffer v = c.valueView().orElseThrow();
            assertThat(v.isReadOnly()).isTrue();
            assertThat(v.get(v.position() + 99_999)).isEqualTo((byte) 7);
            assertThat(c.seekKey(b("e"))).isEmpty();
            assertThat(c.nextKey()).isEmpty();
            return null;
          });
    }
  }

  @Test
  void cursorMovesWithoutCopyingAndReadsEntriesInPlace() {
    try (BoltDB db = open(tmp.resolve("m.db"))) {
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            for (int i = 0; i < 3000; i += 2) { // several leaf pages once committed
              bk.put(b(String.format("%05d", i)), b("v" + i));
            }
            bk.createBucket(b("zz-sub"));
            tx.createBucket(b("empty"));
            bk.put(b("00001"), b("dirty"));
            Cursor c = bk.cursor();
            assertThat(c.moveSeek(b("00001"))).isTrue();
            assertThat(bytes(c.keyView()))
                .as("on a node this transaction changed")
                .isEqualTo(b("00001"));
            assertThat(bytes(c.valueView().orElseThrow())).isEqualTo(b("dirty"));
          });
      db.view(
          tx -> {
            Cursor empty = tx.bucket(b("empty")).orElseThrow().cursor();
            assertThat(empty.moveFirst()).isFalse();
            assertThat(empty.moveLast()).isFalse();
            assertThat(empty.moveSeek(b("a"))).isFalse();

            Cursor c = tx.bucket(b("b")).orElseThrow().cursor();
            assertThat(c.moveNext()).as("never positioned").isFalse();
            assertThat(c.movePrev()).as("never positioned").isFalse();
            assertThatThrownBy(c::keyView)
                .isInstanceOf(BoltStateException.class)
                .hasMessageContaining("not positioned");
            assertThatThrownBy(c::isBucket).isInstanceOf(BoltStateException.class);

            List<String> forward = new ArrayList<>();
            int buckets = 0;
            for (boolean ok = c.moveFirst(); ok; ok = c.moveNext()) {
              forward.add(new String(bytes(c.keyView()), StandardCharsets.UTF_8));
              if (c.isBucket()) {
                buckets++;
                assertThat(c.valueView()).isEmpty();
              } else {
                assertThat(c.valueView()).isPresent();
              }
            }
            assertThat(forward).hasSize(1502).startsWith("00000", "00001", "00002");
            assertThat(forward).isSorted().endsWith("02998", "zz-sub");
            assertThat(buckets).isEqualTo(1);
            assertThat(c.moveNext()).as("past the end stays past it").isFalse();
            assertThatThrownBy(c::keyView).isInstanceOf(BoltStateException.class);

            List<String> backward = new ArrayList<>();
            for (boolean ok = c.moveLast(); ok; ok = c.movePrev()) {
              backward.add(new String(bytes(c.keyView()), StandardCharsets.UTF_8));
            }
            java.util.Collections.reverse(backward);
            assertThat(backward).isEqualTo(forward);

            assertThat(c.moveSeek(b("01001"))).isTrue();
            assertThat(bytes(c.keyView())).isEqualTo(b("01002"));
            assertThat(c.isBucket()).isFalse();
            assertThat(bytes(c.valueView().orElseThrow())).isEqualTo(b("v1002"));
            java.nio.ByteBuffer k = c.keyView();
            assertThat(k.isReadOnly()).isTrue();
            assertThatThrownBy(() -> k.put(k.position(), (byte) 0))
                .isInstanceOf(java.nio.ReadOnlyBufferException.class);
            assertThat(c.moveSeek(b("zz-sub"))).isTrue();
            assertThat(c.isBucket()).isTrue();
            assertThat(c.moveSeek(b("zzz"))).isFalse();
            assertThatThrownBy(() -> c.moveSeek(null)).isInstanceOf(NullPointerException.class);
            return null;
          });
      Cursor stale;
      try (Tx tx = db.beginRead()) {
        stale = tx.bucket(b("b")).orElseThrow().cursor();
        assertThat(stale.moveFirst()).isTrue();
      }
      assertThatThrownBy(stale::keyView)
          .as("the transaction is closed")
          .isInstanceOf(BoltStateException.class);
      assertThatThrownBy(stale::moveNext).isInstanceOf(BoltStateException.class);
    }
  }

  @Test
  void badInputIsRefusedAndNothingWritten() {
    try (BoltDB db = open(tmp.resolve("bad.db"))) {
      db.update(tx -> tx.createBucket(b("b")).put(b("k"), b("v")));
      try (Tx tx = db.beginWrite()) {
        Bucket bk = tx.bucket(b("b")).orElseThrow();
        assertThatThrownBy(() -> bk.put(new byte[0], b("v")))
            .isInstanceOf(BoltLimitException.class)
            .hasMessageContaining("empty");
        assertThatThrownBy(() -> bk.put(new byte[32769], b("v")))
            .isInstanceOf(BoltLimitException.class)
            .hasMessageContaining("32768");
        assertThatThrownBy(() -> bk.put(null, b("v"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> bk.createBucket(b("k")))
            .isInstanceOf(BoltStateException.class)
            .hasMessageContaining("incompatible");
        bk.createBucket(b("sub"));
        assertThatThrownBy(() -> bk.put(b("sub"), b("v"))).isInstanceOf(BoltStateException.class);
        assertThatThrownBy(() -> bk.createBucket(b("sub")))
            .isInstanceOf(BoltStateException.class)
            .hasMessageContaining("exists");
        assertThat(bk.get(b("sub"))).isEmpty();
        bk.put(new byte[32768], b("max key ok"));
      }
      try (Tx tx = db.beginRead()) {
        Bucket bk = tx.bucket(b("b")).orElseThrow();
        assertThatThrownBy(() -> bk.put(b("k"), b("v")))
            .isInstanceOf(BoltStateException.class)
            .hasMessageContaining("read-only");
        assertThat(bk.bucket(b("sub"))).isEmpty();
        assertThat(bk.get(b("k"))).hasValue(b("v"));
      }
      assertThat(db.check()).isEmpty();
    }
  }

  @Test
  void deletesFreePagesAndTheyAreReused() {
    Path p = tmp.resolve("free.db");
    try (BoltDB db = open(p)) {
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            for (int i = 0; i < 30000; i++) {
              bk.put(b(String.format("k%07d", i)), new byte[100]);
            }
          });
      db.update(
          tx -> {
            Bucket bk = tx.bucket(b("b")).orElseThrow();
            for (int i = 0; i < 30000; i++) {
              if (i % 3 != 0) {
                assertThat(bk.delete(b(String.format("k%07d", i)))).isTrue();
              }
            }
          });
      assertThat(db.check()).isEmpty();
      assertThat(db.stats().freePages()).isGreaterThan(100);
      long hw = db.stats().highWater(); // the delete itself rewrote pages above the mark
      for (int round = 0; round < 3; round++) {
        int r = round;
        db.update(
            tx -> {
              Bucket bk = tx.bucket(b("b")).orElseThrow();
              for (int i = 0; i < 5000; i++) {
                bk.put(b(String.format("n%d-%07d", r, i)), new byte[100]);
              }
            });
        assertThat(db.check()).isEmpty();
      }
      assertThat(db.stats().highWater()).isEqualTo(hw);
      db.update(tx -> tx.deleteBucket(b("b")));
      assertThat(db.check()).isEmpty();
      assertThat(db.stats().keys()).isZero();
    }
    try (BoltDB db = open(p)) {
      assertThat(db.check()).isEmpty();
    }
  }

  @Test
  void noFreelistSyncStoresNoFreelistAndRebuildsIt() {
    Path p = tmp.resolve("nfs.db");
    BoltOptions o = BoltOptions.builder().noFreelistSync(true).build();
    try (BoltDB db = BoltDB.open(p, o)) {
      for (int r = 0; r < 5; r++) {
        int rr = r;
        db.update(
            tx -> {
              Bucket bk = tx.createBucketIfAbsent(b("b"));
              for (int i = 0; i < 2000; i++) {
                bk.put(b("k" + (i * 7 + rr) % 3000), new byte[50 + rr]);
              }
            });
      }
      assertThat(db.check()).isEmpty();
      assertThat(db.stats().freelistPages()).isZero();
    }
    try (BoltDB db = BoltDB.open(p, o)) {
      assertThat(db.check()).isEmpty();
      db.update(tx -> tx.bucket(b("b")).orElseThrow().put(b("again"), b("x")));
      assertThat(db.check()).isEmpty();
    }
    try (BoltDB db = BoltDB.open(p)) { // stores a freelist again, as bbolt does
      assertThat(db.stats().freelistPages()).isPositive();
      assertThat(db.check()).isEmpty();
    }
  }

  @Test
  void compactCopiesEverything() {
    Path src = tmp.resolve("src.db");
    try (BoltDB db = open(src)) {
      db.update(
          tx -> {
            Bucket bk = tx.createBucket(b("b"));
            for (int i = 0; i < 10000; i++) {
              bk.put(b("k" + i), new byte[200]);
            }
            bk.createBucket(b("n")).createBucket(b("m")).put(b("x"), b("y"));
            bk.setSequence(42);
          });
      db.update(
          tx -> {
            Bucket bk = tx.bucket(b("b")).orElseThrow();
            for (int i = 0; i < 10000; i += 2) {
              bk.delete(b("k" + i));
            }
          });
    }
    Path dst = tmp.resolve("dst.db");
    BoltDB.compact(src, dst, BoltOptions.defaults());
    String d1;
    String d2;
    try (BoltDB db = BoltDB.open(src, BoltOptions.builder().readOnly(true).build())) {
      d1 = db.view(BoltDump::of).digest();
    }
    try (BoltDB db = BoltDB.open(dst, BoltOptions.builder().readOnly(true).build())) {
      assertThat(db.check()).isEmpty();
      d2 = db.view(BoltDump::of).digest();
    }
    assertThat(d2).isEqualTo(d1);
    assertThat(dst.toFile().length()).isLessThan(src.toFile().length());
  }

  @Test
  void randomOperationsMatchTreeMapModel() {
    Path p = tmp.resolve("model.db");
    Random rnd = new Random(20261125L);
    Map<String, TreeMap<String, byte[]>> model = new TreeMap<>();
    for (int round = 0; round < 25; round++) {
      try (BoltDB db = open(p)) {
        for (int t = 0; t < 5; t++) {
          boolean commit = rnd.nextInt(6) != 0;
          Map<String, TreeMap<String, byte[]>> next = deepCopy(model);
          try (Tx tx = db.beginWrite()) {
            int ops = 1 + rnd.nextInt(400);
            for (int o = 0; o < ops; o++) {
              String bn = "bucket" + rnd.nextInt(4);
              int kind = rnd.nextInt(100);
              if (kind < 2) {
                if (tx.deleteBucket(b(bn))) {
                  next.remove(bn);
                }
                continue;
              }
              Bucket bk = tx.createBucketIfAbsent(b(bn));
              TreeMap<String, byte[]> m = next.computeIfAbsent(bn, k -> new TreeMap<>());
              String key = "k" + rnd.nextInt(3000);
              if (kind < 60) {
                int len = rnd.nextInt(10) == 0 ? rnd.nextInt(9000) : rnd.nextInt(60);
                byte[] v = new byte[len];
                rnd.nextBytes(v);
                bk.put(b(key), v);
                m.put(key, v);
              } else {
                assertThat(bk.delete(b(key))).isEqualTo(m.remove(key) != null);
              }
            }
            if (commit) {
              tx.commit();
              model = next;
            }
          }
          verify(db, model);
        }
        assertThat(db.check()).as("round " + round).isEmpty();
      }
    }
  }

  private static Map<String, TreeMap<String, byte[]>> deepCopy(
      Map<String, TreeMap<String, byte[]>> m) {
    Map<String, TreeMap<String, byte[]>> c = new TreeMap<>();
    m.forEach((k, v) -> c.put(k, new TreeMap<>(v)));
    return c;
  }

  private static void verify(BoltDB db, Map<String, TreeMap<String, byte[]>> model) {
    db.view(
        tx -> {
          List<String> names = new ArrayList<>();
          tx.forEachBucket(n -> names.add(new String(n, StandardCharsets.UTF_8)));
          assertThat(names).containsExactlyElementsOf(model.keySet());
          for (Map.Entry<String, TreeMap<String, byte[]>> e : model.entrySet()) {
            Bucket bk = tx.bucket(b(e.getKey())).orElseThrow();
            List<Entry> got = new ArrayList<>();
            bk.forEach(got::add);
            assertThat(got).hasSize(e.getValue().size());
            int i = 0;
            for (Map.Entry<String, byte[]> kv : e.getValue().entrySet()) {
              Entry g = got.get(i++);
              assertThat(new String(g.key(), StandardCharsets.UTF_8)).isEqualTo(kv.getKey());
              assertThat(Arrays.equals(g.value(), kv.getValue())).isTrue();
            }
          }
          return null;
        });
  }
}
