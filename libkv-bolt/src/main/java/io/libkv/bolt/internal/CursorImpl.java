package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltStateException;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Entry;
import java.util.Objects;
import java.util.Optional;

/**
 * A path from a bucket's root to a leaf element (stack of node + index), as in bbolt's cursor
 * model.
 */
public final class CursorImpl implements Cursor {
  private final BucketImpl bucket;
  private final NodeView[] views = new NodeView[Format.MAX_TREE_DEPTH];
  private final int[] idx = new int[Format.MAX_TREE_DEPTH];
  private int depth;

  CursorImpl(BucketImpl bucket) {
    this.bucket = bucket;
  }

  private void push(NodeView v, int i) {
    if (depth == Format.MAX_TREE_DEPTH) {
      throw new BoltCorruptionException(
          "page "
              + v.pgid()
              + ": tree deeper than "
              + Format.MAX_TREE_DEPTH
              + " levels (a page cycle?)");
    }
    views[depth] = v;
    idx[depth] = i;
    depth++;
  }

  private NodeView child(NodeView v, int i) {
    return bucket.childOf(v, i);
  }

  private void goFirst() {
    while (true) {
      NodeView v = views[depth - 1];
      if (v.isLeaf()) {
        return;
      }
      push(child(v, idx[depth - 1]), 0);
    }
  }

  private void goLast() {
    while (true) {
      NodeView v = views[depth - 1];
      if (v.isLeaf()) {
        return;
      }
      NodeView c = child(v, idx[depth - 1]);
      push(c, c.count() - 1);
    }
  }

  @Override
  public boolean moveFirst() {
    bucket.tx.checkOpen();
    depth = 0;
    push(bucket.rootView(), 0);
    goFirst();
    return views[depth - 1].count() > 0 || moveNext();
  }

  @Override
  public boolean moveLast() {
    bucket.tx.checkOpen();
    depth = 0;
    NodeView r = bucket.rootView();
    push(r, r.count() - 1);
    goLast();
    return views[depth - 1].count() > 0 || movePrev();
  }

  @Override
  public boolean moveNext() {
    bucket.tx.checkOpen();
    if (depth == 0) {
      return false;
    }
    while (true) {
      int i = depth - 1;
      while (i >= 0 && idx[i] >= views[i].count() - 1) {
        i--;
      }
      if (i < 0) {
        depth = 0;
        return false;
      }
      idx[i]++;
      depth = i + 1;
      goFirst();
      if (views[depth - 1].count() > 0) {
        return true;
      }
    }
  }

  @Override
  public boolean movePrev() {
    bucket.tx.checkOpen();
    if (depth == 0) {
      return false;
    }
    while (true) {
      int i = depth - 1;
      while (i >= 0 && idx[i] <= 0) {
        i--;
      }
      if (i < 0) {
        depth = 0;
        return false;
      }
      idx[i]--;
      depth = i + 1;
      goLast();
      if (views[depth - 1].count() > 0) {
        return true;
      }
    }
  }

  @Override
  public boolean moveSeek(byte[] key) {
    Objects.requireNonNull(key, "key");
    descend(key);
    if (idx[depth - 1] >= views[depth - 1].count()) {
      return moveNext();
    }
    return true;
  }

  /**
   * Descends to the leaf where {@code key} is or would be inserted, leaving the index there
   * (possibly {@code count()}); for exact lookups and writes.
   */
  void descend(byte[] key) {
    bucket.tx.checkOpen();
    depth = 0;
    NodeView v = bucket.rootView();
    while (true) {
      if (v.isLeaf()) {
        push(v, NodeView.searchLeaf(v, key));
        break;
      }
      int i = NodeView.searchBranch(v, key);
      push(v, i);
      v = child(v, i);
    }
  }

  /** True when positioned exactly on {@code key}. */
  boolean isAt(byte[] key) {
    return depth > 0
        && idx[depth - 1] < views[depth - 1].count()
        && views[depth - 1].compareKey(idx[depth - 1], key) == 0;
  }

  public NodeView leafView() {
    return views[depth - 1];
  }

  public int leafIndex() {
    return idx[depth - 1];
  }

  boolean positioned() {
    return depth > 0 && idx[depth - 1] < views[depth - 1].count();
  }

  /** Length of the value under the cursor, without copying it. */
  public int valueLength() {
    return leafView().valueLength(leafIndex());
  }

  /**
   * The value under the cursor as a read-only view of the map (no copy); valid while the
   * transaction is open.
   */
  public java.nio.ByteBuffer valueViewHere() {
    return leafView().valueView(leafIndex());
  }

  @Override
  public Optional<java.nio.ByteBuffer> valueView() {
    bucket.tx.checkOpen();
    if (!positioned() || bucketHere()) {
      return Optional.empty();
    }
    return Optional.of(valueViewHere());
  }

  private Optional<byte[]> currentKey(boolean ok) {
    return ok ? Optional.of(key()) : Optional.empty();
  }

  @Override
  public Optional<byte[]> firstKey() {
    return currentKey(moveFirst());
  }

  @Override
  public Optional<byte[]> nextKey() {
    return currentKey(depth > 0 && moveNext());
  }

  @Override
  public Optional<byte[]> seekKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    return currentKey(moveSeek(key));
  }

  public byte[] key() {
    return leafView().key(leafIndex());
  }

  @Override
  public boolean isBucket() {
    checkPositioned();
    return bucketHere();
  }

  /** {@link #isBucket()} for a caller that has just positioned the cursor on an entry. */
  boolean bucketHere() {
    return (leafView().flags(leafIndex()) & Format.BUCKET_FLAG) != 0;
  }

  @Override
  public java.nio.ByteBuffer keyView() {
    checkPositioned();
    return leafView().keyView(leafIndex());
  }

  private void checkPositioned() {
    bucket.tx.checkOpen();
    if (!positioned()) {
      throw new BoltStateException("cursor is not positioned on an entry");
    }
  }

  /** The leaf node under the cursor, materializing the path from the root. */
  Node node() {
    if (views[depth - 1] instanceof Node n && n.leaf) {
      return n;
    }
    Node n = views[0] instanceof Node r ? r : bucket.node(views[0].pgid(), null);
    for (int i = 0; i < depth - 1; i++) {
      n = n.childAt(idx[i]);
    }
    return n;
  }

  private Optional<Entry> current(boolean ok) {
    if (!ok) {
      return Optional.empty();
    }
    NodeView v = leafView();
    int i = leafIndex();
    if ((v.flags(i) & Format.BUCKET_FLAG) != 0) {
      return Optional.of(Entry.bucket(v.key(i)));
    }
    return Optional.of(Entry.of(v.key(i), v.value(i)));
  }

  @Override
  public Optional<Entry> first() {
    return current(moveFirst());
  }

  @Override
  public Optional<Entry> last() {
    return current(moveLast());
  }

  @Override
  public Optional<Entry> next() {
    return current(depth > 0 && moveNext());
  }

  @Override
  public Optional<Entry> prev() {
    return current(depth > 0 && movePrev());
  }

  @Override
  public Optional<Entry> seek(byte[] key) {
    Objects.requireNonNull(key, "key");
    return current(moveSeek(key));
  }

  @Override
  public void delete() {
    bucket.checkWritable();
    if (!positioned()) {
      throw new BoltStateException("cursor is not positioned on an entry");
    }
    if (bucketHere()) {
      throw new BoltStateException(
          "cannot delete a nested bucket through a cursor value delete; use deleteBucket");
    }
    node().del(key());
  }
}
