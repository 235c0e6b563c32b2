package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltProblem;
import io.libkv.bolt.BoltStateException;
import io.libkv.bolt.BoltStats;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Tx;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** A read snapshot or the write transaction; see {@link Tx}. */
public final class TxImpl implements Tx {
  private final Db db;
  private final boolean writable;
  private final Meta meta;
  private final Mapping mapping;
  private final BucketImpl root;
  private final long txid;
  private long highWater;
  private final TreeMap<Long, ByteBuffer> dirty = new TreeMap<>();
  private long lastAllocated;
  private boolean closed;

  TxImpl(Db db, boolean writable, Meta meta, Mapping mapping) {
    this.db = db;
    this.writable = writable;
    this.meta = meta;
    this.mapping = mapping;
    this.txid = writable ? meta.txid() + 1 : meta.txid();
    this.highWater = meta.highWater();
    this.root = new BucketImpl(this, meta.root(), meta.rootSequence(), null, () -> "(root)");
  }

  Meta meta() {
    return meta;
  }

  Mapping mapping() {
    return mapping;
  }

  Db db() {
    return db;
  }

  int pageSize() {
    return meta.pageSize();
  }

  BucketImpl rootBucket() {
    return root;
  }

  void checkOpen() {
    if (closed) {
      throw new BoltStateException("transaction " + txid + " is closed");
    }
    db.checkOpen();
  }

  /** Page header of {@code pgid}: flags, count and overflow, after checking id and bounds. */
  long header(long pgid) {
    if (pgid < 2 || pgid >= meta.highWater()) {
      throw new BoltCorruptionException(
          "page "
              + pgid
              + ": page id outside [2, "
              + meta.highWater()
              + ") (high-water mark of txid "
              + meta.txid()
              + ")");
    }
    long id = mapping.headerLong(pgid, 0);
    if (id != pgid) {
      throw new BoltCorruptionException("page " + pgid + ": header says page " + id);
    }
    long rest = mapping.headerLong(pgid, 8);
    long overflow = rest >>> 32;
    if (pgid + overflow >= meta.highWater()) {
      throw new BoltCorruptionException(
          "page "
              + pgid
              + ": "
              + overflow
              + " overflow pages reach past the high-water mark "
              + meta.highWater());
    }
    return rest;
  }

  /**
   * Pages this transaction has read and checked, a bit each (the snapshot's pages never change
   * during a transaction): a page read again is used in place at once. Blocks of 4,096 pages are
   * made when first needed, so a short transaction on a large file allocates little. A read
   * transaction may be shared by threads: blocks and bits are published atomically.
   */
  private volatile long @Nullable [][] checkedPages;

  /** Nodes that straddle a map chunk and so were copied, kept to be copied once. */
  private java.util.concurrent.@Nullable ConcurrentHashMap<Long, PageNode> copied;

  private static final VarHandle BLOCK = MethodHandles.arrayElementVarHandle(long[][].class);
  private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);

  /** The node stored at {@code pgid}, checked. */
  PageNode page(long pgid) {
    if (isChecked(pgid)) {
      return mapping.checkedInPlace(pgid);
    }
    long rest = header(pgid);
    long pages = (rest >>> 32) + 1;
    PageNode p = mapping.inPlace(pgid, pages);
    if (p != null) {
      markChecked(pgid);
      return p;
    }
    java.util.concurrent.ConcurrentHashMap<Long, PageNode> c;
    synchronized (this) {
      c = copied == null ? copied = new java.util.concurrent.ConcurrentHashMap<>() : copied;
    }
    PageNode n = c.get(pgid);
    if (n == null) {
      ByteBuffer b = mapping.node(pgid, pages);
      n = new PageNode(b, 0, b.capacity(), pgid, null);
      c.put(pgid, n);
    }
    return n;
  }

  private boolean isChecked(long pgid) {
    long[][] top = checkedPages;
    int bi = (int) (pgid >>> 12);
    if (top == null || bi >= top.length) {
      return false;
    }
    long[] block = (long[]) BLOCK.getAcquire(top, bi);
    return block != null
        && ((long) BITS.getOpaque(block, (int) (pgid >>> 6) & 63) & (1L << pgid)) != 0;
  }

  private void markChecked(long pgid) {
    long[][] top = checkedPages;
    if (top == null) {
      synchronized (this) {
        top = checkedPages;
        if (top == null) {
          top = new long[(int) ((meta.highWater() + 4095) >>> 12)][];
          checkedPages = top;
        }
      }
    }
    int bi = (int) (pgid >>> 12);
    long[] block = (long[]) BLOCK.getAcquire(top, bi);
    if (block == null) {
      long[] made = new long[64];
      block = (long[]) BLOCK.compareAndExchangeRelease(top, bi, null, made);
      if (block == null) {
        block = made;
      }
    }
    BITS.getAndBitwiseOrRelease(block, (int) (pgid >>> 6) & 63, 1L << pgid);
  }

  /**
   * Frees the node at {@code pgid} (with its overflow pages), pending until no reader can see it.
   */
  void freePage(long pgid) {
    long rest = header(pgid);
    db.freelist().free(txid, pgid, (rest >>> 32) + 1);
  }

  /**
   * Allocates {@code pages} contiguous pages and returns a zeroed buffer that will be written there
   * at commit.
   */
  ByteBuffer allocateDirty(long pages) {
    if (pages > Integer.MAX_VALUE / pageSize()) {
      throw new IllegalStateException("node of " + pages + " pages is too large");
    }
    long id = db.freelist().allocate((int) pages);
    if (id == 0) {
      id = highWater;
      highWater += pages;
    }
    db.noteAllocation(highWater);
    lastAllocated = id;
    ByteBuffer b = ByteBuffer.allocate((int) (pages * pageSize())).order(ByteOrder.LITTLE_ENDIAN);
    dirty.put(id, b);
    return b;
  }

  long lastAllocated() {
    return lastAllocated;
  }

  @Override
  public long id() {
    return txid;
  }

  @Override
  public boolean isWritable() {
    return writable;
  }

  @Override
  public Optional<Bucket> bucket(byte[] name) {
    return root.bucket(name);
  }

  @Override
  public Bucket createBucket(byte[] name) {
    return root.createBucket(name);
  }

  @Override
  public Bucket createBucketIfAbsent(byte[] name) {
    return root.createBucketIfAbsent(name);
  }

  @Override
  public boolean deleteBucket(byte[] name) {
    return root.deleteBucket(name);
  }

  @Override
  public Cursor cursor() {
    return root.cursor();
  }

  @Override
  public void forEachBucket(Consumer<byte[]> action) {
    Objects.requireNonNull(action, "action");
    CursorImpl c = root.cursor();
    for (boolean ok = c.moveFirst(); ok; ok = c.moveNext()) {
      action.accept(c.key());
    }
  }

  @Override
  public List<BoltProblem> check() {
    checkOpen();
    return new Inspector(this).run().problems();
  }

  @Override
  public BoltStats stats() {
    checkOpen();
    return new Inspector(this).run().stats();
  }

  @Override
  public long size() {
    return meta.highWater() * pageSize();
  }

  /** Low-level cursor over a top-level bucket path, for tools that avoid copies (bench, dump). */
  BucketImpl rootBucketImpl() {
    return root;
  }

  @Override
  public void commit() {
    checkOpen();
    if (!writable) {
      throw new BoltStateException("cannot commit a read-only transaction");
    }
    boolean done = false;
    try {
      root.rebalance();
      root.spill();
      Freelist fl = db.freelist();
      if (meta.hasFreelist()) {
        freePage(meta.freelist());
      }
      long flPgid = Format.NO_FREELIST;
      long startHighWater = meta.highWater();
      if (!db.options().noFreelistSync()) {
        int pages = (int) (fl.storedSize() / pageSize()) + 1;
        allocateDirty(pages);
        flPgid = lastAllocated;
        ByteBuffer b = fl.write(flPgid, pages, pageSize());
        dirty.put(flPgid, b);
        if (highWater > startHighWater) {
          db.grow((highWater + 1) * pageSize());
        }
      }
      Meta next = meta.with(root.root, root.sequence, flPgid, highWater, txid);
      db.writeCommit(dirty, next);
      done = true;
    } finally {
      closed = true;
      dirty.clear();
      db.endWrite(this, done);
    }
  }

  @Override
  public void rollback() {
    if (closed) {
      return;
    }
    closed = true;
    dirty.clear();
    if (writable) {
      db.endWrite(this, false);
    } else {
      db.endRead(this);
    }
  }

  @Override
  public void close() {
    rollback();
  }

  Map<Long, ByteBuffer> dirtyPages() {
    return dirty;
  }
}
