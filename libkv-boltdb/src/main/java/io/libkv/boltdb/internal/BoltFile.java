package io.libkv.boltdb.internal;

import io.libkv.ConfigurationException;
import io.libkv.Durations;
import io.libkv.KVException;
import io.libkv.StoreCorruptedException;
import io.libkv.StoreLockedException;
import io.libkv.bolt.BoltCorruptionException;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltException;
import io.libkv.bolt.BoltIOException;
import io.libkv.bolt.BoltLockedException;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.Tx;
import io.libkv.boltdb.BoltdbOptions.FileMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One bbolt file as this JVM uses it, shared by every store opened on it (flock is per open file
 * description, so two opens of one file in one process would exclude each other).
 *
 * <p>Exclusive mode keeps the file open and locked for the engine's life. Shared mode opens it per
 * operation under the file lock, as Go libkv does, and a poller reads the two meta pages' txids
 * (without the lock) every {@value #POLL_MILLIS} ms to notice other processes' commits.
 */
final class BoltFile {
  static final long POLL_MILLIS = 50;
  private static final Map<Path, BoltFile> OPEN = new HashMap<>();

  final Path path;
  final FileMode mode;
  private final Duration lockTimeout;
  // false while only read-only stores use the file: it is then opened for reading only, never
  // created
  private volatile boolean writable;
  // fair, so a lock holder's renewal is not starved by contenders
  private final ReentrantLock opLock = new ReentrantLock(true);
  private final Map<String, BucketState> buckets = new HashMap<>();
  private @Nullable BoltDB db;
  // shared mode: the file kept open from one operation to the next queued one
  private @Nullable BoltDB burst;
  private boolean burstWritable;
  private int users;
  private volatile long lastTxid = -1;
  private volatile boolean lastTxidKnown;
  private volatile CompletableFuture<Void> changed = new CompletableFuture<>();
  private @Nullable Thread poller;
  private volatile boolean closed;

  /** Writes waiting for the next commit. */
  private final ArrayDeque<Request<?>> queue = new ArrayDeque<>();

  /** The write whose function runs now (op lock held). */
  private @Nullable Request<?> current;

  static final int MAX_BATCH = 1000;

  private BoltFile(Path path, FileMode mode, boolean writable, Duration lockTimeout) {
    this.path = path;
    this.mode = mode;
    this.writable = writable;
    this.lockTimeout = lockTimeout;
  }

  /** The engine of {@code path}, opened on first use; a failure to open it names {@code store}. */
  static BoltFile acquire(
      Path path, FileMode mode, boolean readOnly, Duration lockTimeout, String store) {
    Path key = path.toAbsolutePath().normalize();
    synchronized (OPEN) {
      BoltFile f = OPEN.get(key);
      if (f == null) {
        f = new BoltFile(key, mode, !readOnly, lockTimeout);
        try {
          f.start(store);
        } catch (KVException e) {
          throw f.named(e, null, store);
        }
        OPEN.put(key, f);
      } else if (f.mode != mode) {
        throw new ConfigurationException(
            "bbolt file "
                + key
                + " is already open in "
                + f.mode.name().toLowerCase(Locale.ROOT)
                + " mode in this JVM; open it in the same mode");
      } else if (!readOnly && !f.writable) {
        if (mode == FileMode.EXCLUSIVE) {
          throw new ConfigurationException(
              "bbolt file "
                  + key
                  + " is already open read-only in exclusive mode in this"
                  + " JVM; close its read-only stores first");
        }
        // shared mode opens the file per operation: from now on for writing
        f.writable = true;
      }
      f.users++;
      return f;
    }
  }

  /** Drops one user; the last one closes the file. */
  void release() {
    synchronized (OPEN) {
      if (--users > 0) {
        return;
      }
      OPEN.remove(path);
    }
    closed = true;
    if (poller != null) {
      poller.interrupt();
      try {
        poller.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    opLock.lock();
    try {
      dropSnapshot();
      if (db != null) {
        db.close();
        db = null;
      }
      if (burst != null) {
        burst.close();
        burst = null;
      }
    } finally {
      opLock.unlock();
    }
    changed.complete(null);
  }

  private void start(String store) {
    if (writable) {
      try {
        Files.createDirectories(path.getParent());
      } catch (IOException e) {
        throw new KVException(
            "cannot create the directory of " + path + ": " + BoltIOException.reason(e),
            null,
            store,
            e);
      }
    }
    if (mode == FileMode.EXCLUSIVE) {
      db = open(!writable);
    } else {
      // create the file now (read-only: check it is there), so that peeking at its metas works from
      // the start
      open(!writable).close();
    }
    // sweeps TTL deadlines in both modes; in shared mode also notices other processes' commits
    poller = new Thread(this::poll, "libkv-bolt-poller");
    poller.setDaemon(true);
    poller.start();
  }

  private BoltDB open(boolean readOnly) {
    try {
      return BoltDB.open(
          path,
          BoltOptions.builder()
              .readOnly(readOnly)
              .createIfMissing(!readOnly)
              .lockTimeout(lockTimeout)
              .build());
    } catch (BoltException e) {
      throw failure(e, null, "boltdb:" + path);
    }
  }

  /**
   * The store's exception for a failure of the engine. Stores of several buckets share this file,
   * so it names the file until a store names the key and itself: see {@link #named}.
   */
  KVException failure(BoltException e, @Nullable String key, String store) {
    if (e instanceof BoltLockedException) {
      return new StoreLockedException(
          "bbolt file "
              + path
              + " is locked by another process (waited "
              + Durations.format(lockTimeout)
              + ")",
          key,
          store,
          e);
    }
    if (e instanceof BoltCorruptionException) {
      return new StoreCorruptedException(
          "bbolt file " + path + " is damaged: " + e.getMessage(), key, store, e);
    }
    return new KVException("bbolt file " + path + ": " + e.getMessage(), key, store, e);
  }

  /**
   * {@code e} naming {@code key} and {@code store} if it is a failure of the engine that names no
   * key.
   */
  KVException named(KVException e, @Nullable String key, String store) {
    if (e.key().isEmpty() && e.getCause() instanceof BoltException b) {
      return failure(b, key, store);
    }
    return e;
  }

  BucketState bucket(String name) {
    synchronized (buckets) {
      return buckets.computeIfAbsent(name, n -> new BucketState(this, n));
    }
  }

  /** Completes at the next commit seen (ours or another process's); lock waiters block on it. */
  CompletableFuture<Void> nextChange() {
    return changed;
  }

  private void signal() {
    CompletableFuture<Void> c = changed;
    changed = new CompletableFuture<>();
    c.complete(null);
  }

  /**
   * The read transaction of the last commit, shared by the reads of exclusive mode until the next
   * commit: a read then begins no transaction, and finds the pages earlier reads validated.
   * Counted, so the last reader of a superseded snapshot ends it.
   */
  private static final class Snapshot {
    final Tx tx;

    /** Readers, plus one for being the current snapshot; 0 once ended. */
    private final AtomicInteger refs = new AtomicInteger(1);

    Snapshot(Tx tx) {
      this.tx = tx;
    }

    boolean retain() {
      for (int r = refs.get(); r > 0; r = refs.get()) {
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
      return false;
    }

    void release() {
      if (refs.decrementAndGet() == 0) {
        tx.close();
      }
    }
  }

  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();

  private Snapshot currentSnapshot(BoltDB d) {
    while (true) {
      // the last commit this JVM finished: a snapshot begun while it was under way may be older
      // (and installed after that commit dropped the one before), so the txid decides
      long committed = lastTxid;
      Snapshot s = snapshot.get();
      if (s != null && s.tx.id() >= committed && s.retain()) {
        return s;
      }
      Snapshot n = new Snapshot(d.beginRead());
      n.retain();
      if (snapshot.compareAndSet(s, n)) {
        return n;
      }
      n.release(); // another reader installed one first
      n.release();
    }
  }

  /**
   * Ends the shared snapshot: called after every commit, before its writer returns or its events go
   * out.
   */
  private void dropSnapshot() {
    Snapshot s = snapshot.getAndSet(null);
    if (s != null) {
      s.release();
    }
  }

  /** Runs {@code fn} in a read transaction; in exclusive mode without waiting for writers. */
  <T> T read(Function<Tx, T> fn) {
    BoltDB d = db;
    if (mode == FileMode.EXCLUSIVE && d != null && lastTxidKnown && !closed) {
      Snapshot s = null;
      try {
        s = currentSnapshot(d);
        return fn.apply(s.tx);
      } catch (BoltException e) {
        throw failure(e, null, "boltdb:" + path);
      } catch (OutOfMemoryError e) {
        throw outOfMemory(e);
      } finally {
        if (s != null) {
          s.release();
        }
      }
    }
    return run(false, fn);
  }

  /** Runs {@code fn} in a read transaction while no write can commit (for starting watches). */
  <T> T readLocked(Function<Tx, T> fn) {
    return run(false, fn);
  }

  /**
   * Runs {@code fn} in a write transaction and commits it. Writes queued by other threads of this
   * JVM while a commit is under way share the next commit (one fsync for all of them, as bbolt's
   * Batch does); each still sees the effects of the ones before it, and its caller returns only
   * once that commit is durable. A write that throws is rolled back with the batch and run again
   * alone, so its failure is its own; the others run again without it.
   */
  // the result is the caller's function's own, null when it returned null: T is then a nullable
  // type
  @SuppressWarnings("NullAway")
  <T> T write(Function<Tx, T> fn) {
    if (current != null && opLock.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "a write of bbolt file " + path + " cannot start inside another write");
    }
    Request<T> r = new Request<>(fn);
    synchronized (queue) {
      queue.add(r);
    }
    opLock.lock();
    try {
      if (!r.done) {
        commitQueued();
      }
    } finally {
      opLock.unlock();
    }
    if (r.error != null) {
      throw r.error;
    }
    return r.result;
  }

  /**
   * Registers {@code undo} to run if the write now running is rolled back (it may then run again):
   * for what a write does outside the transaction. Only from inside a write's function.
   */
  void onAbort(Runnable undo) {
    Request<?> r = current;
    if (r == null || !opLock.isHeldByCurrentThread()) {
      throw new IllegalStateException("onAbort outside a write of bbolt file " + path);
    }
    r.undo.add(undo);
  }

  /** A write waiting for a commit. Fields are written and read under the op lock. */
  private static final class Request<T> {
    final Function<Tx, T> fn;
    final List<Runnable> undo = new ArrayList<>();
    @Nullable T result;
    @Nullable RuntimeException error;
    boolean done;

    Request(Function<Tx, T> fn) {
      this.fn = fn;
    }

    void run(Tx tx) {
      result = fn.apply(tx);
    }

    void abort() {
      for (int i = undo.size() - 1; i >= 0; i--) {
        undo.get(i).run();
      }
      undo.clear();
      result = null;
    }
  }

  /** Thrown through the batch's transaction to roll it back when one of its writes failed. */
  private static final class WriteFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Request<?> request;

    WriteFailed(Request<?> request, RuntimeException cause) {
      super(null, cause, false, false);
      this.request = request;
    }
  }

  /** Commits everything queued (in batches of at most {@value #MAX_BATCH}). Op lock held. */
  private void commitQueued() {
    while (true) {
      List<Request<?>> batch = new ArrayList<>();
      synchronized (queue) {
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
          batch.add(queue.poll());
        }
      }
      if (batch.isEmpty()) {
        return;
      }
      try {
        commitBatch(batch);
      } finally {
        for (Request<?> r : batch) {
          if (!r.done) { // an Error went through: nobody may wait for an answer that never comes
            r.error =
                new KVException(
                    "write to bbolt file " + path + " abandoned by a failure of its batch", null);
            r.done = true;
          }
        }
      }
    }
  }

  private void commitBatch(List<Request<?>> batch) {
    List<Request<?>> rest = batch;
    while (!rest.isEmpty()) {
      List<Request<?>> attempt = rest;
      try {
        run(
            true,
            tx -> {
              for (Request<?> r : attempt) {
                current = r;
                try {
                  r.run(tx);
                } catch (RuntimeException e) {
                  throw attempt.size() == 1 ? e : new WriteFailed(r, e);
                } finally {
                  current = null;
                }
              }
              return null;
            });
        for (Request<?> r : attempt) {
          r.done = true;
        }
        return;
      } catch (WriteFailed f) {
        for (Request<?> r : attempt) {
          r.abort();
        }
        // the failing write alone, so its caller sees its own failure; then the others again
        Request<?> failed = f.request;
        commitBatch(List.of(failed));
        rest = new ArrayList<>(attempt);
        rest.remove(failed);
      } catch (RuntimeException e) {
        // a failure of one write alone, or of the commit itself: every write of this attempt shares
        // it
        for (Request<?> r : attempt) {
          r.abort();
          r.error = e;
          r.done = true;
        }
        return;
      }
    }
  }

  private <T> T run(boolean write, Function<Tx, T> fn) {
    opLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("bbolt file " + path + " is closed");
      }
      BoltDB d = db;
      boolean dWritable = writable;
      if (mode == FileMode.SHARED) {
        d = burst;
        dWritable = burstWritable;
        burst = null;
        if (d != null && write && !dWritable) {
          d.close(); // opened for reading before a writer came: reopen for writing
          d = null;
        }
        if (d == null) {
          dWritable = writable;
          d = open(!dWritable);
        }
      }
      Objects.requireNonNull(d, "exclusive mode's open file");
      try {
        catchUp(d);
        T result;
        if (write) {
          try (Tx tx = d.beginWrite()) {
            result = fn.apply(tx);
            tx.commit();
            lastTxid = tx.id();
          } catch (RuntimeException | Error e) {
            for (BucketState b : bucketList()) {
              b.discardPublished();
            }
            throw e;
          }
          afterCommit();
        } else {
          try (Tx tx = d.beginRead()) {
            result = fn.apply(tx);
          }
        }
        return result;
      } finally {
        if (d != db) {
          // shared mode: while other threads of this JVM queue for the file, keep it open for them
          // (one open and flock for a burst), and let go as soon as nobody here waits
          if (opLock.hasQueuedThreads() && !closed) {
            burst = d;
            burstWritable = dWritable;
          } else {
            d.close();
          }
        }
      }
    } catch (BoltException e) {
      throw failure(e, null, "boltdb:" + path);
    } catch (OutOfMemoryError e) {
      throw outOfMemory(e);
    } finally {
      opLock.unlock();
    }
  }

  /**
   * The store's error for a heap exhausted during an operation: the caller gets a store condition,
   * not an Error.
   */
  private KVException outOfMemory(OutOfMemoryError e) {
    return new KVException(
        "bbolt file "
            + path
            + ": the Java heap ran out during the operation ("
            + e.getMessage()
            + ")",
        e);
  }

  /** Ends every watch on this file with {@code error}: events may have been lost. */
  private void failWatches(KVException error) {
    for (BucketState b : bucketList()) {
      b.failWatches(error);
    }
  }

  private void afterCommit() {
    dropSnapshot();
    for (BucketState b : bucketList()) {
      b.flushPublished();
    }
    signal();
  }

  /** If another process committed since we last looked, let every bucket re-read. Op lock held. */
  private void catchUp(BoltDB d) {
    if (mode == FileMode.EXCLUSIVE && lastTxid >= 0) {
      return;
    }
    long txid;
    try (Tx tx = d.beginRead()) {
      txid = tx.id();
      if (txid == lastTxid) {
        return;
      }
      boolean first = lastTxid < 0;
      long before = lastTxid;
      lastTxid = txid;
      lastTxidKnown = true;
      try {
        for (BucketState b : bucketList()) {
          b.externalChange(tx, first);
        }
      } catch (OutOfMemoryError e) {
        // not caught up: the next operation reads again; watchers may have missed events, so they
        // end
        lastTxid = before;
        KVException k = outOfMemory(e);
        failWatches(k);
        throw k;
      }
    }
    signal();
  }

  private BucketState[] bucketList() {
    synchronized (buckets) {
      return buckets.values().toArray(new BucketState[0]);
    }
  }

  private void poll() {
    while (!closed) {
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        continue;
      }
      try {
        if (mode == FileMode.SHARED && peekTxid() != lastTxidLocked()) {
          read(tx -> null);
        }
        boolean due = false;
        for (BucketState b : writable ? bucketList() : new BucketState[0]) {
          due |= b.sweepDue();
        }
        if (due) {
          write(
              tx -> {
                for (BucketState b : bucketList()) {
                  b.sweep(tx);
                }
                return null;
              });
        }
      } catch (KVException e) {
        if (e.getCause() instanceof OutOfMemoryError) {
          // no caller waits on the poller: its watchers hear of it
          failWatches(e);
        }
        // else a busy or briefly unreadable file: the next round tries again
      } catch (RuntimeException e) {
        // a busy or briefly unreadable file: the next round tries again
      } catch (Error e) {
        // never let the poller die silently: without it nothing is swept and shared mode sees no
        // commits
        failWatches(
            new KVException(
                "bbolt file " + path + ": the poller failed (" + e + "); watches end", e));
      }
    }
  }

  private long lastTxidLocked() {
    // no op lock here: only operations may take it, or a burst's open file would wait for one
    return lastTxid;
  }

  /**
   * The larger txid of the two metas, read without the file lock (they are written atomically by
   * page).
   */
  long peekTxid() {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(head, 0);
      int pageSize = head.getInt(24);
      long t0 = head.getLong(64);
      if (pageSize < 512 || pageSize > (1 << 16)) {
        return -2;
      }
      ByteBuffer m1 = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(m1, pageSize);
      return Math.max(t0, m1.getLong(64));
    } catch (IOException e) {
      return -3;
    }
  }
}
