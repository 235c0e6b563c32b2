package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.bolt.internal.Db;
import io.libkv.bolt.internal.HeapFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over 10,000 mutations of valid files (flipped bytes in metas, page headers, element offsets and
 * lengths; truncation; page ids past the end): every open, read and check either succeeds with the
 * right content (the last or, after a damaged newest meta, the previous commit) or throws a {@link
 * BoltException} — never another exception, a hang or a wrong answer that check() misses.
 */
@Tag("slow")
class FuzzTest {
  private static final int MUTATIONS = Integer.getInteger("fuzz.n", 10_500);
  private static final int PS = 1024;

  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A valid file and the digests an intact reading may produce. */
  private record Base(byte[] bytes, Set<String> digests) {}

  private Base makeBase(Path p, long seed) throws IOException {
    Random r = new Random(seed);
    String previous = null;
    String last = null;
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().pageSize(PS).noSync(true).build())) {
      for (int t = 0; t < 6; t++) {
        int tt = t;
        db.update(
            tx -> {
              Bucket a = tx.createBucketIfAbsent(b("a"));
              for (int i = 0; i < 150; i++) {
                a.put(b("k" + r.nextInt(400)), new byte[r.nextInt(40)]);
              }
              if (tt % 2 == 0) {
                a.delete(b("k" + r.nextInt(400)));
              }
              Bucket n = tx.createBucketIfAbsent(b("n"));
              n.createBucketIfAbsent(b("inline" + tt)).put(b("x"), b("y" + tt));
              n.createBucketIfAbsent(b("deep"))
                  .createBucketIfAbsent(b("er"))
                  .put(b("big" + tt), new byte[3000 + tt]);
              n.setSequence(tt * 1000L);
            });
        previous = last;
        last = db.view(BoltDump::of).digest();
        assertThat(db.check()).isEmpty();
      }
    }
    return new Base(Files.readAllBytes(p), Set.of(previous, last));
  }

  @Test
  void mutatedFilesAreReadCorrectlyOrRefusedWithTypedErrors() throws Exception {
    List<Base> bases =
        List.of(makeBase(tmp.resolve("base1.db"), 1), makeBase(tmp.resolve("base2.db"), 2));
    Random rnd = new Random(12345);
    ExecutorService worker = Executors.newSingleThreadExecutor();
    TreeMap<String, Integer> outcomes = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    try {
      for (int m = 0; m < MUTATIONS; m++) {
        Base base = bases.get(m % bases.size());
        String kind = mutationKind(rnd);
        byte[] mutant = mutate(base.bytes(), kind, rnd);
        Future<String> f = worker.submit(() -> readAll(mutant));
        String outcome;
        try {
          outcome = f.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          f.cancel(true);
          failures.add("mutation " + m + " (" + kind + "): timed out");
          worker.shutdownNow();
          worker = Executors.newSingleThreadExecutor();
          continue;
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof BoltException) {
            outcome = "refused";
          } else {
            failures.add("mutation " + m + " (" + kind + "): " + c);
            continue;
          }
        }
        if (outcome.startsWith("sha256:")) {
          if (!base.digests().contains(outcome) && UNDETECTABLE.get()) {
            outcome = "wrong content (last element's length, undetectable)";
          } else if (!base.digests().contains(outcome)) {
            failures.add(
                "mutation " + m + " (" + kind + "): wrong content read, undetected " + LAST.get());
          }
          if (outcome.startsWith("sha256:")) {
            outcome = "read ok";
          }
        }
        outcomes.merge(kind + " -> " + outcome, 1, Integer::sum);
      }
    } finally {
      worker.shutdownNow();
    }
    System.out.println("fuzz outcomes: " + outcomes);
    assertThat(failures).isEmpty();
  }

  /** Opens, checks and dumps; returns the digest, or "problems" when check() found damage. */
  private static String readAll(byte[] file) {
    BoltOptions ro = BoltOptions.builder().readOnly(true).build();
    try (BoltDB db =
        Db.openWith(Path.of("mutant.db"), new HeapFileIO(file), null, ro, Db.DEFAULT_CHUNK_SHIFT)) {
      List<BoltProblem> problems = db.check();
      String digest;
      try {
        digest = db.view(BoltDump::of).digest();
      } catch (BoltException e) {
        return problems.isEmpty() ? "refused" : "problems";
      }
      return problems.isEmpty() ? digest : "problems";
    }
  }

  private static final String[] KINDS = {
    "meta", "header", "element", "truncate", "pgid-past-end", "meta-root"
  };

  /**
   * Set when the mutation changed the key or value length of a node's last element. Nothing in the
   * format (no page checksums) lets a reader tell such a length from the original while it stays
   * inside the node's unused tail, so for these only "no untyped failure" is required.
   */
  private static final ThreadLocal<Boolean> UNDETECTABLE = ThreadLocal.withInitial(() -> false);

  private static final ThreadLocal<String> LAST = ThreadLocal.withInitial(() -> "");

  private static String mutationKind(Random rnd) {
    return KINDS[rnd.nextInt(KINDS.length)];
  }

  private static byte[] mutate(byte[] orig, String kind, Random rnd) {
    byte[] d = orig.clone();
    UNDETECTABLE.set(false);
    LAST.set(kind);
    ByteBuffer bb = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
    int pages = d.length / PS;
    long hw = Math.max(bb.getLong(56), bb.getLong(PS + 56));
    switch (kind) {
      case "meta" -> {
        int slot = rnd.nextInt(2);
        d[slot * PS + rnd.nextInt(80)] ^= (byte) (1 << rnd.nextInt(8));
      }
      case "header" -> {
        int pg = headerPage(bb, hw, rnd);
        int off = rnd.nextInt(16);
        int bit = rnd.nextInt(8);
        d[pg * PS + off] ^= (byte) (1 << bit);
        LAST.set(
            "page " + pg + " flags " + bb.getShort(pg * PS + 8) + " off " + off + " bit " + bit);
      }
      case "element" -> {
        int pg = treePage(bb, hw, rnd);
        int count = bb.getShort(pg * PS + 10) & 0xFFFF;
        if (count > 0) {
          int el = rnd.nextInt(count);
          int field = rnd.nextInt(16);
          int at = pg * PS + 16 + 16 * el + field;
          boolean leaf = (bb.getShort(pg * PS + 8) & 2) != 0;
          boolean lengthField = leaf ? field >= 8 : field >= 4 && field < 8;
          UNDETECTABLE.set(el == count - 1 && lengthField);
          LAST.set("page " + pg + " byte " + (at - pg * PS));
          if (at < d.length) {
            d[at] ^= (byte) (1 << rnd.nextInt(8));
          }
        }
      }
      case "truncate" -> {
        return java.util.Arrays.copyOf(d, rnd.nextInt(d.length));
      }
      case "pgid-past-end" -> {
        int pg = treePage(bb, hw, rnd);
        int flags = bb.getShort(pg * PS + 8);
        int count = bb.getShort(pg * PS + 10) & 0xFFFF;
        if (count > 0 && (flags & 1) != 0) {
          bb.putLong(pg * PS + 16 + 16 * rnd.nextInt(count) + 8, hw + rnd.nextInt(1 << 20));
        } else if (count > 0) {
          // a bucket header's root, or a leaf element's length
          int el = rnd.nextInt(count);
          UNDETECTABLE.set(el == count - 1);
          int e = pg * PS + 16 + 16 * el;
          bb.putInt(e + 12, bb.getInt(e + 12) + 1 + rnd.nextInt(pages * PS));
        }
      }
      case "meta-root" -> {
        // a meta with a valid checksum but a root or freelist id past the end
        int slot = rnd.nextInt(2);
        int off = slot * PS;
        bb.putLong(off + (rnd.nextBoolean() ? 32 : 48), hw + rnd.nextInt(1000));
        long h = 0xcbf29ce484222325L;
        for (int i = 16; i < 72; i++) {
          h ^= d[off + i] & 0xFF;
          h *= 0x100000001b3L;
        }
        bb.putLong(off + 72, h);
      }
      default -> throw new IllegalArgumentException(kind);
    }
    return d;
  }

  /** A page that starts with a header (not an overflow continuation, whose bytes are data). */
  private static int headerPage(ByteBuffer bb, long hw, Random rnd) {
    for (int tries = 0; tries < 50; tries++) {
      int pg = 2 + rnd.nextInt((int) hw - 2);
      int flags = bb.getShort(pg * PS + 8);
      if (bb.getLong(pg * PS) == pg && Integer.bitCount(flags) == 1 && (flags & 0x13) != 0) {
        return pg;
      }
    }
    return 2;
  }

  private static int treePage(ByteBuffer bb, long hw, Random rnd) {
    for (int tries = 0; tries < 50; tries++) {
      int pg = 2 + rnd.nextInt((int) hw - 2);
      int flags = bb.getShort(pg * PS + 8);
      if (bb.getLong(pg * PS) == pg && (flags & 0x03) != 0) {
        return pg;
      }
    }
    return 2;
  }
}
