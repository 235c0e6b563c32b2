package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltLimitException;
import io.libkv.bolt.BoltStateException;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Entry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A bucket inside a transaction: its header (root page or inline leaf, sequence) and, for writers,
 * its materialized nodes.
 */
public final class BucketImpl implements Bucket {
  final TxImpl tx;

  /** Root page id; 0 for an inline bucket. */
  long root;

  long sequence;

  /** The inline leaf (root == 0), read in place from the parent's value. */
  private @Nullable NodeView inline;

  /** The bucket's name as errors and toString show it, built only then. */
  private final Supplier<String> name;

  @Nullable Node rootNode;

  /** Null in a read transaction, as {@link #children}. */
  private @Nullable Map<Long, Node> nodes;

  private @Nullable TreeMap<byte[], BucketImpl> children;
  private double fillPercent = 0.5;

  BucketImpl(
      TxImpl tx, long root, long sequence, @Nullable NodeView inline, Supplier<String> name) {
    this.tx = tx;
    this.root = root;
    this.sequence = sequence;
    this.inline = inline;
    this.name = name;
    if (tx.isWritable()) {
      nodes = new HashMap<>();
      children = new TreeMap<>(java.util.Arrays::compareUnsigned);
    }
  }

  double fillPercent() {
    return fillPercent;
  }

  @Override
  public boolean isWritable() {
    return tx.isWritable();
  }

  void checkWritable() {
    tx.checkOpen();
    if (!tx.isWritable()) {
      throw new BoltStateException("transaction is read-only");
    }
  }

  NodeView rootView() {
    if (rootNode != null) {
      return rootNode;
    }
    return nodeView(root);
  }

  NodeView nodeView(long pgid) {
    if (nodes != null) {
      Node n = nodes.get(pgid);
      if (n != null) {
        return n;
      }
    }
    if (root == 0) {
      if (pgid != 0) {
        throw new BoltCorruptionException(
            "inline bucket " + name.get() + " refers to page " + pgid);
      }
      return Objects.requireNonNull(inline, "inline leaf");
    }
    return tx.page(pgid);
  }

  /** Child {@code i} of branch {@code v}. */
  NodeView childOf(NodeView v, int i) {
    NodeView c = nodeView(v.child(i));
    if (c.count() == 0 && c instanceof PageNode p) {
      // bbolt removes emptied nodes; an empty page below a branch means a damaged count
      throw new BoltCorruptionException(
          p.where()
              + ": empty "
              + (c.isLeaf() ? "leaf" : "branch")
              + " below branch page "
              + v.pgid());
    }
    return c;
  }

  @Nullable Node cachedNode(long pgid) {
    return nodes == null ? null : nodes.get(pgid);
  }

  void forgetNode(long pgid) {
    writerNodes().remove(pgid);
  }

  /** Materializes the node of page {@code pgid} (0 = the inline leaf) under {@code parent}. */
  Node node(long pgid, @Nullable Node parent) {
    Node n = writerNodes().get(pgid);
    if (n != null) {
      return n;
    }
    n = new Node(this, parent);
    n.read(nodeView(pgid));
    n.pgid = pgid;
    if (parent == null) {
      rootNode = n;
    } else {
      parent.children.add(n);
    }
    writerNodes().put(pgid, n);
    return n;
  }

  @Override
  public CursorImpl cursor() {
    tx.checkOpen();
    return new CursorImpl(this);
  }

  /** A cursor reused by this bucket's own lookups and writes (never handed out). */
  private @Nullable CursorImpl scratch;

  private CursorImpl lookup() {
    tx.checkOpen();
    if (!tx.isWritable()) {
      return new CursorImpl(this); // threads may share a read transaction: no shared scratch
    }
    if (scratch == null) {
      scratch = new CursorImpl(this);
    }
    return scratch;
  }

  /** A node is written from one Java buffer; this caps value size a little below Go's 2^31 - 2. */
  static final long MAX_NODE_BYTES = Integer.MAX_VALUE - (1 << 16) - 8;

  static void checkKey(byte[] key, String what) {
    Objects.requireNonNull(key, what);
    if (key.length == 0) {
      throw new BoltLimitException(what + " must not be empty (1 to " + Format.MAX_KEY + " bytes)");
    }
    if (key.length > Format.MAX_KEY) {
      throw new BoltLimitException(
          what + " of " + key.length + " bytes exceeds the limit of " + Format.MAX_KEY + " bytes");
    }
  }

  @Override
  public Optional<byte[]> get(byte[] key) {
    return Optional.ofNullable(find(key, NodeView::value));
  }

  @Override
  public Optional<java.nio.ByteBuffer> view(byte[] key) {
    return Optional.ofNullable(find(key, NodeView::valueView));
  }

  /** What a lookup takes from the leaf element it found. */
  private interface Take<T> {
    T from(NodeView leaf, int i);
  }

  /**
   * The plain value under {@code key} as {@code take} reads it, or null when absent or a nested
   * bucket.
   */
  private <T> @Nullable T find(byte[] key, Take<T> take) {
    checkKey(key, "key");
    if (nodes == null) {
      return readGet(key, take);
    }
    CursorImpl c = lookup();
    c.descend(key);
    if (!c.isAt(key) || c.bucketHere()) {
      return null;
    }
    return take.from(c.leafView(), c.leafIndex());
  }

  /**
   * A read transaction's lookup: a plain descent that allocates nothing but the value (no cursor,
   * whose path a lookup never needs); null when absent or a nested bucket.
   */
  private <T> @Nullable T readGet(byte[] key, Take<T> take) {
    tx.checkOpen();
    NodeView v = rootView();
    for (int depth = 1; !v.isLeaf(); depth++) {
      if (depth == Format.MAX_TREE_DEPTH) {
        throw new BoltCorruptionException(
            "page "
                + v.pgid()
                + ": tree deeper than "
                + Format.MAX_TREE_DEPTH
                + " levels (a page cycle?)");
      }
      v = childOf(v, NodeView.searchBranch(v, key));
    }
    int i = NodeView.findLeaf(v, key);
    if (i < 0 || (v.flags(i) & Format.BUCKET_FLAG) != 0) {
      return null;
    }
    return take.from(v, i);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    checkKey(key, "key");
    Objects.requireNonNull(value, "value");
    if (value.length > Format.MAX_VALUE) {
      throw new BoltLimitException(
          "value of "
              + value.length
              + " bytes exceeds the limit of "
              + Format.MAX_VALUE
              + " bytes");
    }
    if ((long) value.length + key.length + 2L * Format.ELEMENT + Format.PAGE_HEADER
        > MAX_NODE_BYTES) {
      throw new BoltLimitException(
          "key and value of "
              + ((long) key.length + value.length)
              + " bytes do not fit in one node of at most "
              + MAX_NODE_BYTES
              + " bytes (the largest buffer this engine writes)");
    }
    checkWritable();
    if (this == tx.rootBucket()) {
      throw new BoltStateException("the top level holds buckets only, not plain values");
    }
    CursorImpl c = lookup();
    c.descend(key);
    if (c.isAt(key) && c.bucketHere()) {
      throw new BoltStateException(
          "incompatible value: key " + Hex.of(key) + " names a nested bucket");
    }
    byte[] k = key.clone();
    c.node().put(k, k, value.clone(), 0, 0);
  }

  @Override
  public boolean delete(byte[] key) {
    checkKey(key, "key");
    checkWritable();
    CursorImpl c = lookup();
    c.descend(key);
    if (!c.isAt(key)) {
      return false;
    }
    if (c.bucketHere()) {
      throw new BoltStateException(
          "incompatible value: key " + Hex.of(key) + " names a nested bucket");
    }
    c.node().del(key);
    return true;
  }

  @Override
  public Optional<Bucket> bucket(byte[] key) {
    return Optional.ofNullable(open(key));
  }

  @Nullable BucketImpl open(byte[] key) {
    checkKey(key, "bucket name");
    tx.checkOpen();
    if (children != null) {
      BucketImpl b = children.get(key);
      if (b != null) {
        return b;
      }
    } else {
      // a read transaction's buckets never change: the last one opened is kept (immutable, so
      // threads sharing the transaction may share it too)
      Opened last = lastOpened;
      if (last != null && Arrays.equals(last.key, key)) {
        return last.bucket;
      }
    }
    CursorImpl c = lookup();
    c.descend(key);
    if (!c.isAt(key) || !c.bucketHere()) {
      return null;
    }
    BucketImpl b = fromValue(c.leafView(), c.leafIndex(), key);
    if (children != null) {
      children.put(key.clone(), b);
    } else {
      lastOpened = new Opened(key.clone(), b);
    }
    return b;
  }

  private record Opened(byte[] key, BucketImpl bucket) {}

  /** Read transactions: the child bucket opened last. */
  private volatile @Nullable Opened lastOpened;

  private BucketImpl fromValue(NodeView v, int i, byte[] key) {
    // named only when something is wrong: opening a bucket is on every read's path
    byte[] named = key.clone(); // the caller may reuse its array
    Supplier<String> where =
        () ->
            "bucket "
                + Hex.of(named)
                + " in "
                + (v.pgid() == 0 ? "an inline leaf" : "page " + v.pgid());
    ByteBuffer buf;
    int off;
    int len;
    if (v instanceof PageNode p) {
      buf = p.buffer();
      off = p.valueOffset(i);
      len = p.valueLength(i);
    } else {
      byte[] val = v.value(i);
      buf = ByteBuffer.wrap(val).order(ByteOrder.LITTLE_ENDIAN);
      off = 0;
      len = val.length;
    }
    if (len < Format.BUCKET_HEADER) {
      throw new BoltCorruptionException(
          where.get() + ": bucket value of " + len + " bytes is shorter than its header");
    }
    long r = buf.getLong(off);
    long seq = buf.getLong(off + 8);
    NodeView in = null;
    if (r == 0) {
      PageNode p =
          new PageNode(
              buf,
              off + Format.BUCKET_HEADER,
              len - Format.BUCKET_HEADER,
              0,
              () -> "inline " + where.get());
      if (!p.isLeaf()) {
        throw new BoltCorruptionException("inline " + where.get() + ": inline page is not a leaf");
      }
      in = p;
    } else if (len != Format.BUCKET_HEADER) {
      throw new BoltCorruptionException(
          where.get()
              + ": bucket value of "
              + len
              + " bytes has root page "
              + r
              + " and trailing bytes");
    }
    return new BucketImpl(tx, r, seq, in, () -> Hex.of(named));
  }

  @Override
  public Bucket createBucket(byte[] key) {
    checkKey(key, "bucket name");
    checkWritable();
    CursorImpl c = lookup();
    c.descend(key);
    if (c.isAt(key)) {
      throw new BoltStateException(
          c.bucketHere()
              ? "bucket " + Hex.of(key) + " already exists"
              : "incompatible value: key " + Hex.of(key) + " holds a plain value");
    }
    ByteBuffer v =
        ByteBuffer.allocate(Format.BUCKET_HEADER + Format.PAGE_HEADER)
            .order(ByteOrder.LITTLE_ENDIAN);
    v.putShort(Format.BUCKET_HEADER + 8, (short) Format.LEAF);
    byte[] k = key.clone();
    c.node().put(k, k, v.array(), 0, Format.BUCKET_FLAG);
    return Objects.requireNonNull(open(key), "bucket just created");
  }

  @Override
  public Bucket createBucketIfAbsent(byte[] key) {
    checkKey(key, "bucket name");
    checkWritable();
    BucketImpl b = open(key);
    return b != null ? b : createBucket(key);
  }

  @Override
  public boolean deleteBucket(byte[] key) {
    checkKey(key, "bucket name");
    checkWritable();
    CursorImpl c = lookup();
    c.descend(key);
    if (!c.isAt(key)) {
      return false;
    }
    if (!c.bucketHere()) {
      throw new BoltStateException(
          "incompatible value: key " + Hex.of(key) + " holds a plain value");
    }
    BucketImpl child = Objects.requireNonNull(open(key), "bucket found by the cursor");
    List<byte[]> nested = new ArrayList<>();
    CursorImpl cc = child.cursor();
    for (boolean ok = cc.moveFirst(); ok; ok = cc.moveNext()) {
      if (cc.bucketHere()) {
        nested.add(cc.key());
      }
    }
    for (byte[] n : nested) {
      child.deleteBucket(n);
    }
    writerChildren().remove(key);
    child.freeAll();
    child.writerNodes().clear();
    child.rootNode = null;
    c = lookup();
    c.descend(key);
    c.node().del(key);
    return true;
  }

  /** Frees every page of this bucket's own tree (not of nested buckets). */
  void freeAll() {
    if (root == 0) {
      return;
    }
    freeTree(root, 0);
    root = 0;
  }

  private void freeTree(long pgid, int depth) {
    if (depth > Format.MAX_TREE_DEPTH) {
      throw new BoltCorruptionException(
          "page " + pgid + ": tree deeper than " + Format.MAX_TREE_DEPTH);
    }
    Node n = writerNodes().get(pgid);
    NodeView v = n != null ? n : tx.page(pgid);
    if (!v.isLeaf()) {
      for (int i = 0; i < v.count(); i++) {
        freeTree(v.child(i), depth + 1);
      }
    }
    if (n != null) {
      n.free();
    } else {
      tx.freePage(pgid);
    }
  }

  @Override
  public void forEach(Consumer<Entry> action) {
    Objects.requireNonNull(action, "action");
    Cursor c = cursor();
    for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
      action.accept(e.get());
    }
  }

  @Override
  public long sequence() {
    tx.checkOpen();
    return sequence;
  }

  @Override
  public long nextSequence() {
    checkWritable();
    materializeRoot();
    return ++sequence;
  }

  @Override
  public void setSequence(long value) {
    checkWritable();
    materializeRoot();
    sequence = value;
  }

  private void materializeRoot() {
    if (rootNode == null) {
      node(root, null);
    }
  }

  @Override
  public void setFillPercent(double fraction) {
    fillPercent = Math.max(0.1, Math.min(1.0, fraction));
  }

  // ---- commit: rebalance and spill ----

  void rebalance() {
    for (Node n : new ArrayList<>(writerNodes().values())) {
      n.rebalance();
    }
    for (BucketImpl c : writerChildren().values()) {
      c.rebalance();
    }
  }

  private boolean inlineable() {
    Node n = rootNode;
    if (n == null || !n.leaf) {
      return false;
    }
    long size = Format.PAGE_HEADER;
    for (Node.Inode in : n.inodes) {
      size += Format.ELEMENT + in.key.length + in.value.length;
      if ((in.flags & Format.BUCKET_FLAG) != 0 || size > tx.pageSize() / 4) {
        return false;
      }
    }
    return true;
  }

  private byte[] inlineValue() {
    long size = Objects.requireNonNull(rootNode, "an inlineable bucket's root node").size();
    ByteBuffer b =
        ByteBuffer.allocate((int) (Format.BUCKET_HEADER + size)).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, 0);
    b.putLong(8, sequence);
    rootNode.write(b, Format.BUCKET_HEADER, 0, 0);
    return b.array();
  }

  /** Writes nested buckets first (inline or to pages), then this bucket's modified nodes. */
  void spill() {
    for (Map.Entry<byte[], BucketImpl> e : writerChildren().entrySet()) {
      BucketImpl child = e.getValue();
      byte[] value;
      if (child.inlineable()) {
        child.freeAll();
        value = child.inlineValue();
      } else {
        child.spill();
        ByteBuffer h = ByteBuffer.allocate(Format.BUCKET_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(0, child.root);
        h.putLong(8, child.sequence);
        value = h.array();
      }
      if (child.rootNode == null) {
        continue;
      }
      CursorImpl c = lookup();
      c.descend(e.getKey());
      if (!c.isAt(e.getKey()) || !c.bucketHere()) {
        throw new IllegalStateException(
            "bucket " + Hex.of(e.getKey()) + " vanished from its parent");
      }
      c.node().put(e.getKey(), e.getKey(), value, 0, Format.BUCKET_FLAG);
    }
    if (rootNode == null) {
      return;
    }
    rootNode.spill();
    rootNode = rootNode.root();
    root = rootNode.pgid;
  }

  /** The write transaction's node cache (null in a read transaction). */
  private Map<Long, Node> writerNodes() {
    return Objects.requireNonNull(nodes, "nodes of a read transaction's bucket");
  }

  /** The write transaction's opened children (null in a read transaction). */
  private TreeMap<byte[], BucketImpl> writerChildren() {
    return Objects.requireNonNull(children, "children of a read transaction's bucket");
  }

  @Override
  public String toString() {
    return "Bucket[" + name.get() + "]";
  }
}
