package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltIOException;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.BoltStateException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The engine behind {@link BoltDB}: file, lock, metas, map, freelist and transaction bookkeeping.
 */
public final class Db implements BoltDB {
  /**
   * Chunks of 1 GiB: a power of two, a multiple of every page size, below the 2 GiB buffer limit.
   */
  public static final int DEFAULT_CHUNK_SHIFT = 30;

  private static final long ALLOC_SIZE = 16L << 20;
  private static final int[] META1_PROBES = {4096, 8192, 16384, 32768, 65536, 2048, 1024, 512};

  private final Path path;
  private final FileIO io;
  private final FileLock lock;
  private final BoltOptions options;
  private final int chunkShift;
  private final int pageSize;
  private final Object state = new Object();
  private final ReentrantLock writer = new ReentrantLock();
  private final TreeMap<Long, Integer> readers = new TreeMap<>();
  private volatile boolean closed;
  private Meta meta;
  private Mapping mapping;

  /** Loaded only when the file is opened for writing. */
  private @Nullable Freelist freelist;

  /** bbolt's notion of the map size, kept only to grow the file in the same steps as Go. */
  private long virtualMapSize;

  private long fileSize;

  private Db(Path path, FileIO io, FileLock lock, BoltOptions options, int chunkShift) {
    this.path = path;
    this.io = io;
    this.lock = lock;
    this.options = options;
    this.chunkShift = chunkShift;
    if (io.size() == 0) {
      if (options.readOnly()) {
        throw new BoltCorruptionException(path + ": empty file is not a bbolt database");
      }
      init(options.pageSize().orElse(FileLock.osPageSize()));
    }
    fileSize = io.size();
    Meta[] loaded = loadMeta();
    this.meta = loaded[0];
    this.pageSize = meta.pageSize();
    this.mapping = map(fileSize);
    openedMetas = null;
    this.virtualMapSize = mmapSize(Math.max(fileSize, options.initialMmapSize()));
    if (!options.readOnly()) {
      loadFreelist();
    }
  }

  /** Opens {@code path} as {@link BoltDB#open(Path, BoltOptions)} documents. */
  public static Db open(Path path, BoltOptions options) {
    return open(path, options, DEFAULT_CHUNK_SHIFT);
  }

  /**
   * As {@link #open(Path, BoltOptions)} with a custom map chunk size (tests of chunk boundaries).
   */
  public static Db open(Path path, BoltOptions options, int chunkShift) {
    boolean ro = options.readOnly();
    boolean create = !ro && options.createIfMissing();
    if (!create && !Files.exists(path)) {
      throw new BoltIOException("cannot open " + path, new NoSuchFileException(path.toString()));
    }
    FileIO io = ChannelFileIO.open(path, !ro, create);
    FileLock lock;
    try {
      lock = FileLock.acquire(path, !ro, options.lockTimeout());
    } catch (RuntimeException e) {
      io.close();
      throw e;
    }
    return openWith(path, io, lock, options, chunkShift);
  }

  /** Opens over a given file layer (e.g. a power-loss simulation); {@code lock} may be null. */
  public static Db openWith(
      Path path, FileIO io, FileLock lock, BoltOptions options, int chunkShift) {
    try {
      Db db = new Db(path, io, lock, options, chunkShift);
      if (!options.readOnly() && !db.meta.hasFreelist() && !options.noFreelistSync()) {
        // as bbolt: store a freelist at once when the file has none and we are to keep one
        db.update(tx -> {});
      }
      return db;
    } catch (RuntimeException | Error e) {
      try {
        io.close();
      } finally {
        if (lock != null) {
          lock.close();
        }
      }
      throw e;
    }
  }

  private void init(int ps) {
    ByteBuffer b = ByteBuffer.allocate(4 * ps).order(ByteOrder.LITTLE_ENDIAN);
    for (int slot = 0; slot < 2; slot++) {
      Meta m = new Meta(ps, 3, 0, 2, 4, slot);
      b.put(slot * ps, m.toPage(), 0, ps);
    }
    b.putLong(2 * ps, 2);
    b.putShort(2 * ps + 8, (short) Format.FREELIST);
    b.putLong(3 * ps, 3);
    b.putShort(3 * ps + 8, (short) Format.LEAF);
    io.write(b, 0);
    io.sync(true);
  }

  private ByteBuffer readAt(long pos, int len) {
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    io.read(b, pos);
    return b.clear();
  }

  /** Picks the active meta (docs/bbolt-format.md, "Meta pages"); returns it first. */
  private Meta[] loadMeta() {
    if (fileSize < 1024) {
      throw new BoltCorruptionException(
          path + ": file of " + fileSize + " bytes is too small for a bbolt database");
    }
    ByteBuffer p0 = readAt(0, META_BYTES);
    String bad0 = Meta.invalidReason(p0, 0);
    int ps;
    if (bad0 == null && validPageSize(Meta.read(p0, 0).pageSize())) {
      ps = Meta.read(p0, 0).pageSize();
    } else {
      ps = 0;
      for (int probe : META1_PROBES) {
        if (probe + 128 > fileSize) {
          continue;
        }
        ByteBuffer p1 = readAt(probe, 128);
        if (Meta.invalidReason(p1, 0) == null && Meta.read(p1, 0).pageSize() == probe) {
          ps = probe;
          break;
        }
      }
      if (ps == 0) {
        throw new BoltCorruptionException(
            path
                + ": not a bbolt database: page 0: "
                + (bad0 != null ? bad0 : "bad page size")
                + ", and no valid meta page 1 found");
      }
    }
    if (fileSize < 2L * ps) {
      throw new BoltCorruptionException(
          path + ": file of " + fileSize + " bytes is shorter than two pages of " + ps);
    }
    ByteBuffer p1 = readAt(ps, META_BYTES);
    openedMetas = new ByteBuffer[] {p0, p1};
    String bad1 = Meta.invalidReason(p1, 0);
    Meta m0 = bad0 == null ? Meta.read(p0, 0) : null;
    Meta m1 = bad1 == null ? Meta.read(p1, 0) : null;
    if (m0 != null && m0.pageSize() != ps) {
      m0 = null;
      bad0 = "page size " + Meta.read(p0, 0).pageSize() + " differs";
    }
    if (m1 != null && m1.pageSize() != ps) {
      m1 = null;
      bad1 = "page size " + Meta.read(p1, 0).pageSize() + " differs";
    }
    Meta first;
    Meta second;
    int firstSlot;
    if (m0 != null && (m1 == null || m0.txid() >= m1.txid())) {
      first = m0;
      second = m1;
      firstSlot = 0;
    } else {
      first = m1;
      second = m0;
      firstSlot = 1;
    }
    if (first == null) {
      throw new BoltCorruptionException(
          path + ": both meta pages are invalid: page 0: " + bad0 + "; page 1: " + bad1);
    }
    try {
      first.validate(firstSlot, fileSize);
      return new Meta[] {first, second};
    } catch (BoltCorruptionException e) {
      if (second == null) {
        throw new BoltCorruptionException(path + ": " + e.getMessage());
      }
      try {
        second.validate(1 - firstSlot, fileSize);
      } catch (BoltCorruptionException e2) {
        throw new BoltCorruptionException(path + ": " + e.getMessage());
      }
      return new Meta[] {second, null};
    }
  }

  private static boolean validPageSize(int ps) {
    return ps >= 512 && ps <= (1 << 20) && Integer.bitCount(ps) == 1;
  }

  private void loadFreelist() {
    if (meta.hasFreelist()) {
      TxImpl tx = new TxImpl(this, false, meta, mapping);
      long rest = tx.header(meta.freelist());
      ByteBuffer node = mapping.node(meta.freelist(), (rest >>> 32) + 1);
      freelist = Freelist.read(node, meta.freelist(), meta.highWater());
    } else {
      TxImpl tx = new TxImpl(this, false, meta, mapping);
      Inspector in = new Inspector(tx).run();
      if (!in.problems().isEmpty()) {
        throw new BoltCorruptionException(
            path + ": cannot rebuild the freelist: " + in.problems().get(0));
      }
      freelist = Freelist.fromUnused(in.reachable(), meta.highWater());
    }
  }

  Freelist freelist() {
    return Objects.requireNonNull(freelist, "freelist of a read-only database");
  }

  BoltOptions options() {
    return options;
  }

  void checkOpen() {
    if (closed) {
      throw new BoltStateException(path + ": database is closed");
    }
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public int pageSize() {
    return pageSize;
  }

  @Override
  public boolean isReadOnly() {
    return options.readOnly();
  }

  @Override
  public TxImpl beginRead() {
    synchronized (state) {
      checkOpen();
      readers.merge(meta.txid(), 1, Integer::sum);
      return new TxImpl(this, false, meta, mapping);
    }
  }

  void endRead(TxImpl tx) {
    synchronized (state) {
      readers.computeIfPresent(tx.meta().txid(), (k, v) -> v == 1 ? null : v - 1);
    }
  }

  @Override
  public TxImpl beginWrite() {
    checkOpen();
    if (options.readOnly()) {
      throw new BoltStateException(path + ": database is open read-only");
    }
    if (writer.isHeldByCurrentThread()) {
      throw new BoltStateException(path + ": this thread already has the write transaction open");
    }
    writer.lock();
    try {
      synchronized (state) {
        checkOpen();
        // pages freed by transaction T are reusable once every open reader started at T or later
        freelist().release(readers.isEmpty() ? Long.MAX_VALUE : readers.firstKey());
        freelist().begin();
        return new TxImpl(this, true, meta, mapping);
      }
    } catch (RuntimeException e) {
      writer.unlock();
      throw e;
    }
  }

  void endWrite(TxImpl tx, boolean committed) {
    try {
      if (!committed) {
        freelist().rollback(tx.id());
      }
    } finally {
      writer.unlock();
    }
  }

  /**
   * bbolt's map size rule (docs/bbolt-format.md, "Commits and file growth"): powers of two from 32
   * KiB to 1 GiB, then multiples of 1 GiB.
   */
  static long mmapSize(long size) {
    for (int i = 15; i <= 30; i++) {
      if (size <= 1L << i) {
        return 1L << i;
      }
    }
    long g = 1L << 30;
    return (size + g - 1) / g * g;
  }

  void noteAllocation(long highWater) {
    long min = (highWater + 1) * pageSize;
    if (min >= virtualMapSize) {
      virtualMapSize = mmapSize(Math.max(fileSize, min));
    }
  }

  /**
   * Commit step 4 (docs/bbolt-format.md, "Commits and file growth"): extend the file in bbolt's
   * steps and fsync.
   */
  void grow(long size) {
    if (size <= fileSize) {
      return;
    }
    long target = virtualMapSize < ALLOC_SIZE ? virtualMapSize : size + ALLOC_SIZE;
    target = Math.max(target, size);
    io.setLength(target);
    if (!options.noSync()) {
      io.sync(true);
    }
    fileSize = target;
  }

  /**
   * Commit steps 5-7: data pages in pgid order, sync, meta into slot txid mod 2, sync; then
   * publish.
   */
  void writeCommit(Map<Long, ByteBuffer> dirty, Meta next) {
    // runs of consecutive pages go out in one write each (bbolt writes page by page)
    long runStart = -1;
    long runEnd = -1;
    java.util.List<ByteBuffer> run = new java.util.ArrayList<>();
    int runBytes = 0;
    for (Map.Entry<Long, ByteBuffer> e : dirty.entrySet()) {
      ByteBuffer b = e.getValue().clear();
      long first = e.getKey();
      if (first != runEnd || runBytes + b.capacity() > MAX_WRITE) {
        flushRun(run, runStart);
        run.clear();
        runStart = first;
        runBytes = 0;
      }
      run.add(b);
      runBytes += b.capacity();
      runEnd = first + b.capacity() / pageSize;
    }
    flushRun(run, runStart);
    if (!options.noSync()) {
      io.sync(false);
    }
    io.write(next.toPage(), (next.txid() & 1) * pageSize);
    if (!options.noSync()) {
      io.sync(false);
    }
    synchronized (state) {
      meta = next;
      long needed = next.highWater() * pageSize;
      long size = io.size();
      fileSize = Math.max(fileSize, size);
      if (needed > mapping.size() || size > mapping.size()) {
        mapping = map(size);
      }
    }
  }

  /**
   * The last map of this file made in this JVM, while no garbage collection has dropped it, the
   * file still has its size and the map shows the meta pages just read: a file opened per operation
   * (shared mode) would otherwise map it anew each time, and the maps stay until a collection
   * unmaps them. Hundreds of live maps of one file made every fdatasync several times slower (the
   * kernel write-protects each dirty page in every map of it). A map is of the file (inode) it was
   * made from: one replaced under the same name shows other metas, and is mapped anew.
   */
  private Mapping map(long size) {
    if (!(io instanceof ChannelFileIO)) {
      return new Mapping(io, size, pageSize, chunkShift);
    }
    Path key = path.toAbsolutePath().normalize();
    java.lang.ref.WeakReference<Mapping> r = MAPS.get(key);
    Mapping m = r == null ? null : r.get();
    if (m != null && m.size() == size && m.pageSize() == pageSize && m.chunkShift() == chunkShift) {
      // at open, the meta pages loadMeta() read; after a commit, read again
      ByteBuffer[] metas = openedMetas;
      ByteBuffer m0 = metas != null ? metas[0] : readAt(0, META_BYTES);
      ByteBuffer m1 = metas != null ? metas[1] : readAt(pageSize, META_BYTES);
      if (m.startsLike(m0, 0) && m.startsLike(m1, pageSize)) {
        return m;
      }
    }
    m = new Mapping(io, size, pageSize, chunkShift);
    if (MAPS.size() >= 64) {
      MAPS.values().removeIf(w -> w.get() == null);
    }
    MAPS.put(key, new java.lang.ref.WeakReference<>(m));
    return m;
  }

  private static final int META_BYTES = 128;

  /** The first bytes of both meta pages as opening read them; null once the file is mapped. */
  private ByteBuffer @Nullable [] openedMetas;

  private static final java.util.concurrent.ConcurrentHashMap<
          Path, java.lang.ref.WeakReference<Mapping>>
      MAPS = new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_WRITE = 8 << 20;

  private void flushRun(java.util.List<ByteBuffer> run, long firstPage) {
    if (run.isEmpty()) {
      return;
    }
    if (run.size() == 1) {
      io.write(run.get(0), firstPage * pageSize);
      return;
    }
    io.write(run, firstPage * pageSize);
  }

  @Override
  public void close() {
    synchronized (state) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      io.close();
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }

  @Override
  public String toString() {
    return "BoltDB[" + path + (options.readOnly() ? ", read-only" : "") + "]";
  }
}
