package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltProblem;
import io.libkv.bolt.BoltStats;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One walk over a snapshot that checks it (docs/bbolt-format.md), gathers {@link BoltStats}, and
 * records the reachable pages (to rebuild a freelist that was not stored).
 */
final class Inspector {
  private static final int MAX_PROBLEMS = 1000;

  private final TxImpl tx;
  private final Meta meta;
  private final BitSet reach = new BitSet();
  private final List<BoltProblem> problems = new ArrayList<>();
  private long branchPages;
  private long leafPages;
  private long overflowPages;
  private long freelistPages;
  private long freePages;
  private long buckets;
  private long inlineBuckets;
  private long keys;
  private long valueBytes;
  private int maxBucketDepth;
  private int maxTreeHeight;
  private int leafDepth;

  Inspector(TxImpl tx) {
    this.tx = tx;
    this.meta = tx.meta();
  }

  List<BoltProblem> problems() {
    return List.copyOf(problems);
  }

  BitSet reachable() {
    return reach;
  }

  BoltStats stats() {
    return new BoltStats(
        meta.pageSize(),
        meta.highWater(),
        meta.txid(),
        tx.mapping().size(),
        2,
        branchPages,
        leafPages,
        overflowPages,
        freelistPages,
        freePages,
        buckets,
        inlineBuckets,
        keys,
        valueBytes,
        maxBucketDepth,
        maxTreeHeight);
  }

  private void problem(long pgid, String msg) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(BoltProblem.ofPage(pgid, msg));
    }
  }

  private void problem(BoltCorruptionException e) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(BoltProblem.ofFile(Objects.requireNonNull(e.getMessage())));
    }
  }

  /** Marks a node's pages; false (with a problem) when one was already accounted for. */
  private boolean mark(long pgid, long pages, String what) {
    for (long p = pgid; p < pgid + pages; p++) {
      if (reach.get((int) p)) {
        problem(
            p, what + " page already reachable from elsewhere (referenced twice or overlapping)");
        return false;
      }
    }
    reach.set((int) pgid, (int) (pgid + pages));
    return true;
  }

  Inspector run() {
    long hw = meta.highWater();
    if (hw > Integer.MAX_VALUE) {
      problems.add(BoltProblem.ofFile("high-water mark " + hw + " is too large to check"));
      return this;
    }
    if (tx.mapping().size() < hw * meta.pageSize()) {
      problems.add(
          BoltProblem.ofFile(
              "file of "
                  + tx.mapping().size()
                  + " bytes is shorter than the "
                  + hw
                  + " pages in use"));
      return this;
    }
    checkMetaSlot();
    reach.set(0, 2);
    walkBucket(meta.root(), 0, true);
    long[] freeIds = new long[0];
    if (meta.hasFreelist()) {
      long fl = meta.freelist();
      try {
        long rest = tx.header(fl);
        long pages = (rest >>> 32) + 1;
        if (mark(fl, pages, "freelist")) {
          freelistPages = pages;
          Freelist f = Freelist.read(tx.mapping().node(fl, pages), fl, hw);
          freeIds = f.ids();
        }
      } catch (BoltCorruptionException e) {
        problem(e);
      }
      for (long id : freeIds) {
        if (reach.get((int) id)) {
          problem(id, "page is both reachable and listed free");
        }
      }
      BitSet free = new BitSet();
      for (long id : freeIds) {
        free.set((int) id);
      }
      freePages = freeIds.length;
      for (int p = 2; p < hw; p++) {
        if (!reach.get(p) && !free.get(p)) {
          problem(p, "unreachable unfreed");
        }
      }
    } else {
      freePages = hw - reach.cardinality();
    }
    return this;
  }

  private void checkMetaSlot() {
    for (int slot = 0; slot < 2; slot++) {
      ByteBuffer p = tx.mapping().node(slot, 1);
      if (p.getLong(64) != meta.txid()) {
        continue;
      }
      String bad = Meta.invalidReason(p, 0);
      if (bad != null) {
        problem(slot, "meta page of txid " + meta.txid() + ": " + bad);
      }
      if (p.getLong(0) != slot || (p.getShort(8) & Format.META) == 0) {
        problem(slot, "meta page header has id " + p.getLong(0) + " and flags " + p.getShort(8));
      }
    }
  }

  /**
   * Walks a bucket's tree rooted at {@code root}; {@code top} for the root bucket (buckets only).
   */
  private void walkBucket(long root, int bucketDepth, boolean top) {
    maxBucketDepth = Math.max(maxBucketDepth, bucketDepth);
    int saved = leafDepth;
    leafDepth = -1;
    walkTree(root, 1, null, null, bucketDepth, top);
    leafDepth = saved;
  }

  private void walkTree(
      long pgid,
      int level,
      byte @Nullable [] lo,
      byte @Nullable [] hi,
      int bucketDepth,
      boolean top) {
    if (level > Format.MAX_TREE_DEPTH) {
      problem(pgid, "tree deeper than " + Format.MAX_TREE_DEPTH + " levels");
      return;
    }
    PageNode p;
    try {
      long rest = tx.header(pgid);
      long pages = (rest >>> 32) + 1;
      if (!mark(pgid, pages, "tree")) {
        return;
      }
      p = tx.page(pgid);
      overflowPages += pages - 1;
    } catch (BoltCorruptionException e) {
      problem(e);
      return;
    }
    if (level > 1 && p.count() == 0) {
      problem(pgid, "empty " + (p.isLeaf() ? "leaf" : "branch") + " page below a branch");
    }
    if (p.isLeaf()) {
      leafPages++;
      maxTreeHeight = Math.max(maxTreeHeight, level);
      if (leafDepth == -1) {
        leafDepth = level;
      } else if (leafDepth != level) {
        problem(
            pgid,
            "leaf at depth " + level + " but other leaves of its tree are at depth " + leafDepth);
      }
    } else {
      branchPages++;
    }
    try {
      int n = p.count();
      byte[][] ks = new byte[n][];
      for (int i = 0; i < n; i++) {
        ks[i] = p.key(i);
        if (i > 0 && Arrays.compareUnsigned(ks[i - 1], ks[i]) >= 0) {
          problem(pgid, "keys not strictly ascending at element " + i);
        }
        if (lo != null && Arrays.compareUnsigned(ks[i], lo) < 0) {
          problem(pgid, "key at element " + i + " sorts below its parent's separator");
        }
        if (hi != null && Arrays.compareUnsigned(ks[i], hi) >= 0) {
          problem(pgid, "key at element " + i + " sorts at or above the next separator");
        }
      }
      for (int i = 0; i < n; i++) {
        if (p.isLeaf()) {
          leafElement(p, i, bucketDepth, top);
        } else {
          walkTree(p.child(i), level + 1, ks[i], i + 1 < n ? ks[i + 1] : hi, bucketDepth, top);
        }
      }
    } catch (BoltCorruptionException e) {
      problem(e);
    }
  }

  private void leafElement(PageNode p, int i, int bucketDepth, boolean top) {
    boolean isBucket = (p.flags(i) & Format.BUCKET_FLAG) != 0;
    if (!isBucket) {
      if (top) {
        problem(
            p.pgid(),
            "plain value at the top level (element " + i + "), where only buckets belong");
      }
      keys++;
      valueBytes += p.valueLength(i);
      return;
    }
    buckets++;
    int len = p.valueLength(i);
    int off = p.valueOffset(i);
    ByteBuffer b = p.buffer();
    if (len < Format.BUCKET_HEADER) {
      problem(
          p.pgid(),
          "bucket value of element " + i + " is " + len + " bytes, shorter than a bucket header");
      return;
    }
    long root = b.getLong(off);
    if (root != 0) {
      if (len != Format.BUCKET_HEADER) {
        problem(
            p.pgid(), "bucket value of element " + i + " has root " + root + " and trailing bytes");
      }
      int saved = leafDepth;
      walkBucket(root, bucketDepth + 1, false);
      leafDepth = saved;
      return;
    }
    inlineBuckets++;
    maxBucketDepth = Math.max(maxBucketDepth, bucketDepth + 1);
    try {
      int element = i;
      PageNode in =
          new PageNode(
              b,
              off + Format.BUCKET_HEADER,
              len - Format.BUCKET_HEADER,
              0,
              () -> "inline bucket at element " + element + " of page " + p.pgid());
      if (!in.isLeaf()) {
        problem(p.pgid(), "inline bucket at element " + i + " is not a leaf");
        return;
      }
      maxTreeHeight = Math.max(maxTreeHeight, 1);
      byte[] prev = null;
      for (int j = 0; j < in.count(); j++) {
        byte[] k = in.key(j);
        if (prev != null && Arrays.compareUnsigned(prev, k) >= 0) {
          problem(
              p.pgid(), "inline bucket at element " + i + ": keys not strictly ascending at " + j);
        }
        prev = k;
        if ((in.flags(j) & Format.BUCKET_FLAG) != 0) {
          problem(p.pgid(), "inline bucket at element " + i + " contains a nested bucket");
        } else {
          keys++;
          valueBytes += in.valueLength(j);
        }
      }
    } catch (BoltCorruptionException e) {
      problem(e);
    }
  }
}
