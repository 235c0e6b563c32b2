package io.libkv.boltdb.internal;

import io.libkv.Capabilities;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.PermissionDeniedException;
import io.libkv.StoreConfig;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.boltdb.BoltdbOptions;
import io.libkv.boltdb.BoltdbOptions.FileMode;
import io.libkv.spi.AbstractStore;
import io.libkv.spi.EventChannel;
import io.libkv.spi.KeepAlive;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * The local store on a bbolt file, in Go libkv's layout ({@code docs/compatibility.md}). Stores on
 * one file within a JVM share one engine; several processes share a file in shared mode.
 */
public final class BoltdbStore extends AbstractStore {
  /** The default value limit. */
  public static final long DEFAULT_MAX_VALUE_BYTES = 4L * 1024 * 1024;

  private final BoltFile file;
  private final BucketState bucket;
  private final UUID owner = UUID.randomUUID();
  private final Capabilities capabilities;
  private final ExecutorService renewals;
  private final boolean readOnly;
  private final Map<Long, Group> ephemeral = new HashMap<>();
  private final Set<BoltdbLock.Held> held = new LinkedHashSet<>();
  private volatile boolean cutOff;

  /** The ephemeral keys of one TTL and the keep-alive that renews their deadlines. */
  private static final class Group {
    final Set<String> keys = new LinkedHashSet<>();
    @Nullable KeepAlive keepAlive;
  }

  private BoltdbStore(
      String description, BoltFile file, BucketState bucket, StoreConfig config, boolean readOnly) {
    super(description);
    this.file = file;
    this.bucket = bucket;
    this.readOnly = readOnly;
    this.capabilities =
        Capabilities.builder("boltdb")
            .ephemeralTtl(Duration.ofSeconds(1), Duration.ofMillis(200))
            .expiringTtl(Duration.ofMillis(100), Duration.ofMillis(200))
            .everyRevisionWatch(false)
            .crossProcessWatch(file.mode == FileMode.SHARED)
            .atomicBatch(true)
            .transactionLimits(TransactionApplier.LIMITS)
            .maxValueBytes(config.maxValueBytes().orElse(DEFAULT_MAX_VALUE_BYTES))
            .build();
    this.renewals =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "libkv-boltdb-renewal");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Opens a store on {@code path} (created if missing, unless read-only); the API's default mode is
   * exclusive.
   */
  static BoltdbStore open(BoltdbOptions options) {
    Path path = options.file();
    StoreConfig config = options.config();
    FileMode mode = options.mode().orElse(FileMode.EXCLUSIVE);
    String bucket = options.bucket();
    List<String> params = new ArrayList<>();
    if (!bucket.equals("libkv")) {
      params.add("bucket=" + bucket);
    }
    if (mode == FileMode.SHARED) {
      params.add("mode=shared");
    }
    if (options.readOnly()) {
      params.add("readOnly=true");
    }
    String description =
        "boltdb:"
            + path.toAbsolutePath().normalize()
            + (params.isEmpty() ? "" : "?" + String.join("&", params));
    BoltFile f =
        BoltFile.acquire(path, mode, options.readOnly(), config.operationTimeout(), description);
    try {
      BucketState b = f.bucket(bucket);
      BoltdbStore s = new BoltdbStore(description, f, b, config, options.readOnly());
      // reads the file once: the index floor, TTL deadlines; sweeps what expired while nobody had
      // it open
      // (a read-only store only reads: a file it cannot write stays as it was)
      if (options.readOnly()) {
        f.readLocked(tx -> null);
      } else {
        f.write(
            tx -> {
              b.sweep(tx);
              return null;
            });
      }
      return s;
    } catch (RuntimeException e) {
      f.release();
      throw e instanceof KVException k ? f.named(k, null, description) : e;
    }
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  private Layout.@Nullable TtlRecord ttlRecord(WriteOptions options) {
    if (options.ttl().isEmpty()) {
      return null;
    }
    long ttl = options.ttl().get().toMillis();
    return new Layout.TtlRecord(
        System.currentTimeMillis() + ttl,
        0,
        ttl,
        options.isEphemeral() ? Layout.EPHEMERAL : Layout.EXPIRING,
        owner);
  }

  /**
   * A write of this store's on {@code key} (null: none or several): refused once the store is
   * closed, checked inside the transaction so a write racing close() cannot land after close's own.
   */
  <T> T write(@Nullable String key, java.util.function.Function<io.libkv.bolt.Tx, T> fn) {
    checkWritable(key);
    return onFile(
        key,
        () ->
            file.write(
                tx -> {
                  checkOpen();
                  if (bucket.sweepDue()) {
                    bucket.sweep(tx);
                  }
                  return fn.apply(tx);
                }));
  }

  /** Refuses a write (or a lock) on a read-only store before it touches the file. */
  void checkWritable(@Nullable String key) {
    if (readOnly) {
      throw new PermissionDeniedException(
          "the store was opened read-only (readOnly=true): writes and locks are refused",
          key,
          description(),
          null);
    }
  }

  /** A read of this store's on {@code key}. */
  <T> T read(@Nullable String key, java.util.function.Function<io.libkv.bolt.Tx, T> fn) {
    return onFile(key, () -> file.read(fn));
  }

  /** A read under the file's lock, so no commit lands between it and what the caller attaches. */
  private <T> T readLocked(
      @Nullable String key, java.util.function.Function<io.libkv.bolt.Tx, T> fn) {
    return onFile(key, () -> file.readLocked(fn));
  }

  /**
   * Runs {@code op} on the file; its failures name {@code key} and this store, which the shared
   * file cannot.
   */
  private <T> T onFile(@Nullable String key, java.util.function.Supplier<T> op) {
    checkRenewable();
    try {
      return op.get();
    } catch (KVException e) {
      throw file.named(e, key, description());
    }
  }

  private void track(String key, WriteOptions options) {
    synchronized (ephemeral) {
      for (Group g : ephemeral.values()) {
        g.keys.remove(key);
      }
      if (!options.isEphemeral()) {
        return;
      }
      long ttl = options.ttl().orElseThrow().toMillis();
      Group g = ephemeral.computeIfAbsent(ttl, t -> new Group());
      g.keys.add(key);
      if (g.keepAlive == null || !g.keepAlive.isRunning()) {
        g.keepAlive =
            KeepAlive.start(
                "ephemeral keys of " + description(),
                Duration.ofMillis(ttl),
                io.libkv.TimeSource.system().nanoTime(),
                io.libkv.TimeSource.system(),
                renewals,
                () -> renew(g),
                e -> lostKeys(g),
                keepAliveReporter());
      }
    }
  }

  private void renew(Group g) {
    checkRenewable();
    List<String> keys;
    synchronized (ephemeral) {
      keys = new ArrayList<>(g.keys);
    }
    List<String> ours = file.write(tx -> bucket.renew(tx, owner, keys));
    synchronized (ephemeral) {
      g.keys.retainAll(ours);
    }
  }

  private void lostKeys(Group g) {
    synchronized (ephemeral) {
      g.keys.clear();
    }
  }

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    write(key, tx -> bucket.put(tx, key, value, ttlRecord(options)));
    track(key, options);
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    write(
        null,
        tx -> {
          bucket.putAll(tx, entries);
          return null;
        });
    for (String k : entries.keySet()) {
      track(k, WriteOptions.DEFAULT);
    }
  }

  @Override
  protected TransactionResult doCommit(Transaction t) {
    TransactionResult r =
        write(null, tx -> TransactionApplier.apply(tx, bucket, t, this::ttlRecord));
    if (r.committed()) {
      for (Transaction.Operation o : t.operations()) {
        track(o.key(), o instanceof Transaction.Put p ? p.options() : WriteOptions.DEFAULT);
      }
    }
    return r;
  }

  @Override
  protected KVPair doGet(String key) {
    Optional<KVPair> p = read(key, tx -> bucket.get(tx, key));
    if (p.isEmpty()) {
      throw new KeyNotFoundException("key not found", key, description(), null);
    }
    return p.get();
  }

  @Override
  protected boolean doExists(String key) {
    return read(key, tx -> bucket.get(tx, key)).isPresent();
  }

  @Override
  protected void doDelete(String key) {
    write(key, tx -> bucket.delete(tx, key));
    track(key, WriteOptions.DEFAULT);
  }

  @Override
  protected List<KVPair> doList(String dir) {
    return read(
        dir,
        tx -> {
          List<KVPair> out = bucket.list(tx, dir);
          if (out.isEmpty() && !dir.isEmpty() && bucket.get(tx, dir).isEmpty()) {
            throw new KeyNotFoundException("directory not found", dir, description(), null);
          }
          return out;
        });
  }

  @Override
  protected void doDeleteTree(String dir) {
    write(dir, tx -> bucket.deleteAll(tx, bucket.keysFrom(tx, dir)));
  }

  @Override
  protected KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    KVPair p =
        write(
            key,
            tx -> {
              Optional<KVPair> cur = bucket.get(tx, key);
              if (previous == null) {
                if (cur.isPresent()) {
                  throw new KeyExistsException(
                      "key exists (create-only write)", key, description(), null);
                }
              } else {
                compare(key, cur, previous);
              }
              return bucket.put(tx, key, value, ttlRecord(options));
            });
    track(key, options);
    return p;
  }

  private void compare(String key, Optional<KVPair> cur, KVPair previous) {
    if (cur.isEmpty()) {
      throw new KeyNotFoundException("key not found (compare-and-set)", key, description(), null);
    }
    if (cur.get().lastIndex() != previous.lastIndex()) {
      throw new KeyModifiedException(
          "key was modified: index is "
              + cur.get().lastIndex()
              + ", expected "
              + previous.lastIndex(),
          key,
          description(),
          null);
    }
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    write(
        key,
        tx -> {
          compare(key, bucket.get(tx, key), previous);
          return bucket.delete(tx, key);
        });
    track(key, WriteOptions.DEFAULT);
  }

  @Override
  public Map<String, Integer> watchResources() {
    return Map.of("its watchers in the hub of the bucket", bucket.hub.watcherCount(this::madeHere));
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    readLocked(
        key,
        tx -> {
          bucket.startKeyWatch(tx, key, options.startIndex().orElse(0), channel);
          return null;
        });
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    readLocked(
        dir,
        tx -> {
          bucket.startTreeWatch(tx, dir, options.startIndex().orElse(0), channel);
          return null;
        });
  }

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    return new BoltdbLock(this, openCheck(), key, options.value(), ttl);
  }

  // ---- fault injection for tests: what a frozen or dead process looks like to the others

  /**
   * Cuts this store off from its file ({@code true}) or reconnects it, as a process that froze or
   * lost its disk would be: every call fails with {@link io.libkv.StoreUnavailableException} and
   * nothing is renewed, so the deadlines pass, other stores sweep the keys and take the locks, and
   * this store declares its locks lost first. Connection listeners see {@link
   * io.libkv.ConnectionState#SUSPENDED}, then {@link io.libkv.ConnectionState#RECONNECTED}. For
   * tests.
   */
  public synchronized void simulateCutOff(boolean cut) {
    boolean was = cutOff;
    cutOff = cut;
    // cached views go stale on a suspended connection, as on a server backend cut off
    if (cut && !was) {
      fireConnectionState(io.libkv.ConnectionState.SUSPENDED);
    } else if (!cut && was) {
      fireConnectionState(io.libkv.ConnectionState.RECONNECTED);
    }
  }

  /**
   * Ends this store's "session" now: its ephemeral keys and locks are removed as if their deadlines
   * passed. For tests.
   */
  public void simulateSessionExpiry() {
    List<BoltdbLock.Held> locks;
    synchronized (held) {
      locks = new ArrayList<>(held);
    }
    file.write(tx -> dropSession(tx, locks));
    synchronized (held) {
      held.removeAll(locks);
    }
    synchronized (ephemeral) {
      for (Group g : ephemeral.values()) {
        g.keys.clear();
      }
    }
  }

  /** Removes what lives on this store: its locks (reported lost) and its ephemeral keys. */
  private Void dropSession(io.libkv.bolt.Tx tx, List<BoltdbLock.Held> locks) {
    for (BoltdbLock.Held h : locks) {
      h.markLost();
      h.stop();
      bucket.unlock(tx, h.key(), owner, h.fencingToken());
    }
    bucket.dropEphemeral(tx, owner);
    return null;
  }

  void checkRenewable() {
    if (cutOff) {
      throw new io.libkv.StoreUnavailableException(
          "renewals stopped (simulated frozen process)", null, description(), List.of(), null);
    }
  }

  // ---- for locks

  BoltFile file() {
    return file;
  }

  BucketState bucket() {
    return bucket;
  }

  UUID owner() {
    return owner;
  }

  ExecutorService renewals() {
    return renewals;
  }

  /** Where lock keep-alives report their renewals: this store's onKeepAlive listeners. */
  java.util.function.Consumer<io.libkv.KeepAliveEvent> keepAliveReports() {
    return keepAliveReporter();
  }

  void held(BoltdbLock.Held h, boolean add) {
    synchronized (held) {
      if (add) {
        held.add(h);
      } else {
        held.remove(h);
      }
    }
  }

  @Override
  protected void doClose() {
    List<BoltdbLock.Held> locks;
    synchronized (held) {
      locks = new ArrayList<>(held);
    }
    synchronized (ephemeral) {
      for (Group g : ephemeral.values()) {
        if (g.keepAlive != null) {
          g.keepAlive.close();
        }
      }
    }
    try {
      if (!readOnly) {
        file.write(tx -> dropSession(tx, locks));
      }
    } catch (KVException e) {
      // the file is gone or locked: the deadlines remove our keys and locks
    } finally {
      renewals.shutdownNow();
      file.release();
    }
  }
}
