package io.libkv.bolt.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A node materialized on the heap by a write transaction: modified in place, then rebalanced and
 * written to fresh pages at commit (copy-on-write), following the node-size rules of the format
 * notes (docs/bbolt-format.md, "Branch and leaf nodes") so files stay shaped as Go's.
 */
final class Node implements NodeView {
  /** One element: a leaf key/value (with flags) or a branch key/child. */
  static final class Inode {
    int flags;
    long pgid;
    byte[] key;
    byte[] value;

    Inode(int flags, long pgid, byte[] key, byte[] value) {
      this.flags = flags;
      this.pgid = pgid;
      this.key = key;
      this.value = value;
    }
  }

  private static final byte[] NONE = new byte[0];

  final BucketImpl bucket;
  boolean leaf;
  boolean unbalanced;
  boolean spilled;

  /** The key under which the parent refers to this node (null for a new node or the root). */
  byte @Nullable [] key;

  long pgid;
  @Nullable Node parent;
  List<Node> children = new ArrayList<>();
  List<Inode> inodes = new ArrayList<>();

  Node(BucketImpl bucket, @Nullable Node parent) {
    this.bucket = bucket;
    this.parent = parent;
  }

  void read(NodeView p) {
    leaf = p.isLeaf();
    int n = p.count();
    inodes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (leaf) {
        inodes.add(new Inode(p.flags(i), 0, p.key(i), p.value(i)));
      } else {
        inodes.add(new Inode(0, p.child(i), p.key(i), NONE));
      }
    }
    key = n > 0 ? inodes.get(0).key : null;
  }

  private byte[] firstKey() {
    return inodes.isEmpty() ? NONE : inodes.get(0).key;
  }

  Node root() {
    Node n = this;
    while (n.parent != null) {
      n = n.parent;
    }
    return n;
  }

  int minKeys() {
    return leaf ? 1 : 2;
  }

  long size() {
    long s = Format.PAGE_HEADER;
    for (Inode in : inodes) {
      s += Format.ELEMENT + in.key.length + in.value.length;
    }
    return s;
  }

  private boolean sizeLessThan(long v) {
    long s = Format.PAGE_HEADER;
    for (Inode in : inodes) {
      s += Format.ELEMENT + in.key.length + in.value.length;
      if (s >= v) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean isLeaf() {
    return leaf;
  }

  @Override
  public int count() {
    return inodes.size();
  }

  @Override
  public int compareKey(int i, byte[] k) {
    return Arrays.compareUnsigned(inodes.get(i).key, k);
  }

  @Override
  public byte[] key(int i) {
    return inodes.get(i).key.clone();
  }

  @Override
  public int flags(int i) {
    return inodes.get(i).flags;
  }

  @Override
  public byte[] value(int i) {
    return inodes.get(i).value.clone();
  }

  @Override
  public int valueLength(int i) {
    return inodes.get(i).value.length;
  }

  @Override
  public long child(int i) {
    return inodes.get(i).pgid;
  }

  @Override
  public long pgid() {
    return pgid;
  }

  Node childAt(int i) {
    Inode in = inodes.get(i);
    Node c = bucket.node(in.pgid, this);
    c.key = in.key;
    return c;
  }

  private int indexOf(byte[] k) {
    int lo = 0;
    int hi = inodes.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(inodes.get(mid).key, k) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  int childIndex(Node child) {
    return indexOf(Objects.requireNonNull(child.key, "a child's key"));
  }

  @Nullable Node nextSibling() {
    if (parent == null) {
      return null;
    }
    int i = parent.childIndex(this);
    return i >= parent.count() - 1 ? null : parent.childAt(i + 1);
  }

  @Nullable Node prevSibling() {
    if (parent == null) {
      return null;
    }
    int i = parent.childIndex(this);
    return i == 0 ? null : parent.childAt(i - 1);
  }

  /** Inserts or replaces the element keyed {@code oldKey}, renaming it {@code newKey}. */
  void put(byte[] oldKey, byte[] newKey, byte[] value, long childPgid, int flags) {
    int i = indexOf(oldKey);
    if (i < inodes.size() && Arrays.equals(inodes.get(i).key, oldKey)) {
      Inode in = inodes.get(i);
      in.flags = flags;
      in.key = newKey;
      in.value = value;
      in.pgid = childPgid;
    } else {
      inodes.add(i, new Inode(flags, childPgid, newKey, value));
    }
  }

  void del(byte[] k) {
    int i = indexOf(k);
    if (i < inodes.size() && Arrays.equals(inodes.get(i).key, k)) {
      inodes.remove(i);
      unbalanced = true;
    }
  }

  /**
   * Serializes into {@code b} from position 0: header (id {@code id}), elements, then data, tightly
   * packed.
   */
  void write(ByteBuffer b, int at, long id, int overflow) {
    int n = inodes.size();
    if (n >= 0xFFFF) {
      throw new IllegalStateException("node of " + n + " elements exceeds the page element limit");
    }
    b.putLong(at, id);
    b.putShort(at + 8, (short) (leaf ? Format.LEAF : Format.BRANCH));
    b.putShort(at + 10, (short) n);
    b.putInt(at + 12, overflow);
    int data = at + Format.PAGE_HEADER + Format.ELEMENT * n;
    for (int i = 0; i < n; i++) {
      Inode in = inodes.get(i);
      int e = at + Format.PAGE_HEADER + Format.ELEMENT * i;
      if (leaf) {
        b.putInt(e, in.flags);
        b.putInt(e + 4, data - e);
        b.putInt(e + 8, in.key.length);
        b.putInt(e + 12, in.value.length);
      } else {
        b.putInt(e, data - e);
        b.putInt(e + 4, in.key.length);
        b.putLong(e + 8, in.pgid);
      }
      b.put(data, in.key);
      data += in.key.length;
      b.put(data, in.value);
      data += in.value.length;
    }
  }

  /**
   * Breaks this node into pieces that fit a page at the bucket's fill percent ("Splitting and
   * merging").
   */
  private List<Node> split(int pageSize) {
    List<Node> out = new ArrayList<>();
    Node n = this;
    while (true) {
      Node next = n.splitTwo(pageSize);
      out.add(n);
      if (next == null) {
        return out;
      }
      n = next;
    }
  }

  private @Nullable Node splitTwo(int pageSize) {
    if (inodes.size() <= 4 || sizeLessThan(pageSize)) {
      return null;
    }
    double fill = bucket.fillPercent();
    long threshold = (long) (pageSize * fill);
    int index = 0;
    long sz = Format.PAGE_HEADER;
    for (int i = 0; i < inodes.size() - 2; i++) {
      index = i;
      Inode in = inodes.get(i);
      long el = (long) Format.ELEMENT + in.key.length + in.value.length;
      if (i >= 2 && sz + el > threshold) {
        break;
      }
      sz += el;
    }
    if (parent == null) {
      parent = new Node(bucket, null);
      parent.leaf = false;
      parent.children.add(this);
    }
    Node next = new Node(bucket, parent);
    next.leaf = leaf;
    parent.children.add(next);
    next.inodes = new ArrayList<>(inodes.subList(index, inodes.size()));
    inodes = new ArrayList<>(inodes.subList(0, index));
    return next;
  }

  /** Writes this subtree to newly allocated pages, children first, updating parents' separators. */
  void spill() {
    if (spilled) {
      return;
    }
    TxImpl tx = bucket.tx;
    children.sort((a, b) -> Arrays.compareUnsigned(a.firstKey(), b.firstKey()));
    for (int i = 0; i < children.size(); i++) {
      children.get(i).spill();
    }
    children = new ArrayList<>();
    int ps = tx.pageSize();
    for (Node n : split(ps)) {
      if (n.pgid > 0) {
        tx.freePage(n.pgid);
        n.pgid = 0;
      }
      long size = n.size();
      long pages = (size + ps - 1) / ps;
      ByteBuffer buf = tx.allocateDirty(pages);
      n.pgid = tx.lastAllocated();
      n.write(buf, 0, n.pgid, (int) (pages - 1));
      n.spilled = true;
      if (n.parent != null) {
        byte[] k = n.key != null ? n.key : n.inodes.get(0).key;
        n.parent.put(k, n.inodes.get(0).key, NONE, n.pgid, 0);
        n.key = n.inodes.get(0).key;
      }
    }
    if (parent != null && parent.pgid == 0) {
      children = new ArrayList<>();
      parent.spill();
    }
  }

  /** Merges or removes this node if it became too small ("Splitting and merging"). */
  void rebalance() {
    if (!unbalanced) {
      return;
    }
    unbalanced = false;
    long threshold = bucket.tx.pageSize() / 4;
    if (size() > threshold && inodes.size() > minKeys()) {
      return;
    }
    if (parent == null) {
      if (!leaf && inodes.size() == 1) {
        Node child = bucket.node(inodes.get(0).pgid, this);
        leaf = child.leaf;
        inodes = child.inodes;
        children = child.children;
        for (Inode in : inodes) {
          Node c = bucket.cachedNode(in.pgid);
          if (c != null && !leaf) {
            c.parent = this;
          }
        }
        for (Node c : children) {
          c.parent = this;
        }
        child.parent = null;
        child.unbalanced = false;
        bucket.forgetNode(child.pgid);
        child.free();
      }
      return;
    }
    if (inodes.isEmpty()) {
      parent.del(Objects.requireNonNull(key, "a child's key"));
      parent.removeChild(this);
      bucket.forgetNode(pgid);
      free();
      parent.rebalance();
      return;
    }
    boolean useNext = parent.childIndex(this) == 0;
    Node target = useNext ? nextSibling() : prevSibling();
    if (target == null) {
      return;
    }
    if (useNext) {
      for (Inode in : target.inodes) {
        Node c = bucket.cachedNode(in.pgid);
        if (c != null && !target.leaf) {
          Objects.requireNonNull(c.parent, "a child's parent").removeChild(c);
          c.parent = this;
          children.add(c);
        }
      }
      inodes.addAll(target.inodes);
      parent.del(Objects.requireNonNull(target.key, "a child's key"));
      parent.removeChild(target);
      bucket.forgetNode(target.pgid);
      target.unbalanced = false; // merged away: the commit's rebalance loop must skip it
      target.free();
    } else {
      for (Inode in : inodes) {
        Node c = bucket.cachedNode(in.pgid);
        if (c != null && !leaf) {
          Objects.requireNonNull(c.parent, "a child's parent").removeChild(c);
          c.parent = target;
          target.children.add(c);
        }
      }
      target.inodes.addAll(inodes);
      parent.del(Objects.requireNonNull(key, "a child's key"));
      parent.removeChild(this);
      bucket.forgetNode(pgid);
      free();
    }
    parent.rebalance();
  }

  void removeChild(Node c) {
    children.remove(c);
  }

  void free() {
    if (pgid != 0) {
      bucket.tx.freePage(pgid);
      pgid = 0;
    }
  }
}
