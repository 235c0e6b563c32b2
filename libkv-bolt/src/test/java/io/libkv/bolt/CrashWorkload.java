package io.libkv.bolt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A deterministic sequence of write transactions shared by the crash tests: transaction {@code i}
 * (from 1) puts {@code k<i>}, every 10th one rewrites a multi-page value, and keys older than 100
 * transactions are deleted; the bucket's sequence records the last transaction applied.
 */
final class CrashWorkload {
  static final byte[] BUCKET = "crash".getBytes(StandardCharsets.UTF_8);
  private static final int KEEP = 100;

  private CrashWorkload() {}

  static byte[] key(long i) {
    return String.format("k%08d", i).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] value(long i) {
    int len = (int) ((i * 7919) % 3000);
    byte[] v = new byte[len];
    Arrays.fill(v, (byte) i);
    return v;
  }

  static byte[] bigKey(long i) {
    return ("big" + (i % 3)).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bigValue(long i) {
    byte[] v = new byte[20000 + (int) (i % 5000)];
    Arrays.fill(v, (byte) (i * 3));
    return v;
  }

  /** Applies transaction {@code i} inside {@code tx}. */
  static void apply(Tx tx, long i) {
    Bucket b = tx.createBucketIfAbsent(BUCKET);
    b.put(key(i), value(i));
    if (i % 10 == 0) {
      b.put(bigKey(i), bigValue(i));
    }
    if (i > KEEP) {
      b.delete(key(i - KEEP));
    }
    b.setSequence(i);
  }

  /** The last transaction applied in this snapshot (0 when none). */
  static long applied(Tx tx) {
    return tx.bucket(BUCKET).map(Bucket::sequence).orElse(0L);
  }

  /**
   * Asserts the snapshot is exactly the state after transaction {@code n}; returns a message or
   * empty.
   */
  static Optional<String> verify(Tx tx, long n) {
    if (n == 0) {
      return tx.bucket(BUCKET).isPresent() ? Optional.of("bucket exists at n=0") : Optional.empty();
    }
    Bucket b = tx.bucket(BUCKET).orElse(null);
    if (b == null) {
      return Optional.of("bucket missing at n=" + n);
    }
    long count = 0;
    Cursor c = b.cursor();
    for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
      count++;
    }
    long bigs = Math.min(3, n / 10);
    long expected = Math.min(n, KEEP) + bigs;
    if (count != expected) {
      return Optional.of("n=" + n + ": " + count + " entries, expected " + expected);
    }
    for (long i = Math.max(1, n - KEEP + 1); i <= n; i++) {
      Optional<byte[]> v = b.get(key(i));
      if (v.isEmpty() || !Arrays.equals(v.get(), value(i))) {
        return Optional.of("n=" + n + ": key " + i + " wrong or missing");
      }
    }
    for (long i = n; i > 0 && i > n - 30; i--) {
      if (i % 10 == 0) {
        Optional<byte[]> v = b.get(bigKey(i));
        if (v.isEmpty() || !Arrays.equals(v.get(), bigValue(i))) {
          return Optional.of("n=" + n + ": big value of txn " + i + " wrong or missing");
        }
      }
    }
    return Optional.empty();
  }
}
