package io.libkv.bolt.internal;

/**
 * Read access to a B+tree node, whether a mapped page ({@link PageNode}) or a materialized {@link
 * Node}.
 */
interface NodeView {
  boolean isLeaf();

  int count();

  /** Sign of (key i − {@code key}) in unsigned byte order. */
  int compareKey(int i, byte[] key);

  byte[] key(int i);

  /** Leaf element flags ({@link Format#BUCKET_FLAG}). */
  int flags(int i);

  byte[] value(int i);

  int valueLength(int i);

  /**
   * Element i's value as a read-only view: of the map for a page, of a copy for a materialized
   * node.
   */
  default java.nio.ByteBuffer valueView(int i) {
    if (this instanceof PageNode p) {
      java.nio.ByteBuffer v = p.buffer().slice(p.valueOffset(i), p.valueLength(i));
      return v.isReadOnly() ? v : v.asReadOnlyBuffer(); // the map is; a copied page is not
    }
    return java.nio.ByteBuffer.wrap(value(i)).asReadOnlyBuffer();
  }

  /**
   * Element i's key as a read-only view: of the map for a page, of a copy for a materialized node.
   */
  default java.nio.ByteBuffer keyView(int i) {
    if (this instanceof PageNode p) {
      java.nio.ByteBuffer k = p.buffer().slice(p.keyOffset(i), p.keyLength(i));
      return k.isReadOnly() ? k : k.asReadOnlyBuffer();
    }
    return java.nio.ByteBuffer.wrap(key(i)).asReadOnlyBuffer();
  }

  /** Branch element's child page id. */
  long child(int i);

  /** The page id this node was read from (0 for inline and new nodes). */
  long pgid();

  /**
   * Index of the child to descend into for {@code key}: the last element whose key is &lt;= key, or
   * 0.
   */
  static int searchBranch(NodeView n, byte[] key) {
    int lo = 0;
    int hi = n.count();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      int c = n.compareKey(mid, key);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Math.max(lo - 1, 0);
  }

  /** Index of the element whose key is {@code key}, or -1. */
  static int findLeaf(NodeView n, byte[] key) {
    int lo = 0;
    int hi = n.count();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      int c = n.compareKey(mid, key);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return -1;
  }

  /** Index of the first element whose key is &gt;= key ({@code count()} when none). */
  static int searchLeaf(NodeView n, byte[] key) {
    int lo = 0;
    int hi = n.count();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (n.compareKey(mid, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
