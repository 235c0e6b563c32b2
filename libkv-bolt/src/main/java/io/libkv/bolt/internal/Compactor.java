package io.libkv.bolt.internal;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.BoltStateException;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Entry;
import io.libkv.bolt.Tx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Copies a database into a fresh file, committing in batches so memory stays bounded. */
public final class Compactor {
  // a batch is held about three times until its commit (the value read, the node's copy, the
  // dirty pages), so a small heap compacts a big file
  private static final long BATCH_BYTES = 8L << 20;

  private final BoltDB dst;
  private Tx tx;
  private long pending;
  private List<byte[]> cachedPath = List.of();
  private @Nullable Bucket cached;

  private Compactor(BoltDB dst) {
    this.dst = dst;
    this.tx = dst.beginWrite();
  }

  /** See {@link BoltDB#compact(Path, Path, BoltOptions)}. */
  public static void compact(Path src, Path dstPath, BoltOptions dstOptions) {
    if (Files.exists(dstPath)) {
      throw new BoltStateException("compaction target " + dstPath + " already exists");
    }
    BoltOptions srcOptions =
        BoltOptions.builder().readOnly(true).lockTimeout(dstOptions.lockTimeout()).build();
    try (BoltDB in = BoltDB.open(src, srcOptions);
        BoltDB out =
            BoltDB.open(
                dstPath, dstOptions.toBuilder().readOnly(false).createIfMissing(true).build());
        Tx rtx = in.beginRead()) {
      Compactor c = new Compactor(out);
      try {
        Cursor cur = rtx.cursor();
        for (Optional<Entry> e = cur.first(); e.isPresent(); e = cur.next()) {
          List<byte[]> path = List.of(e.get().key());
          c.copy(rtx.bucket(e.get().key()).orElseThrow(), path);
        }
        c.tx.commit();
      } finally {
        c.tx.close();
      }
    }
  }

  private Bucket target(List<byte[]> path) {
    if (cached != null && samePath(path, cachedPath)) {
      return cached;
    }
    Bucket b = tx.bucket(path.toArray(new byte[0][])).orElseThrow();
    cached = b;
    cachedPath = path;
    return b;
  }

  private static boolean samePath(List<byte[]> a, List<byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  private void account(long bytes) {
    pending += bytes;
    if (pending >= BATCH_BYTES) {
      tx.commit();
      tx = dst.beginWrite();
      pending = 0;
      cached = null;
    }
  }

  private void copy(Bucket src, List<byte[]> path) {
    Bucket made =
        path.size() == 1
            ? tx.createBucket(path.get(0))
            : target(path.subList(0, path.size() - 1)).createBucket(path.get(path.size() - 1));
    made.setSequence(src.sequence());
    cached = null;
    Cursor c = src.cursor();
    for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
      byte[] k = e.get().key();
      if (e.get().isBucket()) {
        List<byte[]> sub = new ArrayList<>(path);
        sub.add(k);
        copy(src.bucket(k).orElseThrow(), List.copyOf(sub));
      } else {
        byte[] v = e.get().value();
        target(path).put(k, v);
        account(k.length + v.length + 16L);
      }
    }
    account(64);
  }
}
