package io.libkv.redis.internal;

import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.StoreConfig;
import io.libkv.StoreStatus;
import io.libkv.TimeSource;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.redis.RedisOptions;
import io.libkv.spi.AbstractStore;
import io.libkv.spi.EventChannel;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.WatchHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The Redis store. Its data lives in a few Redis keys under one hash tag per key prefix (values,
 * indexes, key order, deadlines, sessions, the change stream), changed only by the store's script
 * ({@link StoreScript}), one run per call. Concerns live apart: {@link Writes} (puts, deletes,
 * compare-and-set, transactions), {@link Reads}, {@link ChangeFeed} (watches and lock wake-ups),
 * {@link Sessions} (ephemeral keys and locks) and {@link RedisLock}; this class maps the contract
 * onto them.
 */
public final class RedisStore extends AbstractStore {
  /** The smallest ephemeral TTL: sessions are renewed every third of it. */
  public static final Duration MIN_EPHEMERAL_TTL = Duration.ofSeconds(1);

  /** The smallest expiring TTL. */
  public static final Duration MIN_EXPIRING_TTL = Duration.ofMillis(10);

  /** How often an open store deletes what expired, so that watchers hear of it. */
  public static final Duration SWEEP_PERIOD = Duration.ofMillis(250);

  /** The default value limit. */
  public static final long DEFAULT_MAX_VALUE_BYTES = 4L * 1024 * 1024;

  private final RedisOptions options;
  private final Link link;
  private final StoreScript script;
  private final Reads reads;
  private final Writes writes;
  private final Sessions sessions;
  private final ChangeFeed feed;
  private final WatchHub hub = new WatchHub();
  private final ScheduledThreadPoolExecutor timers;
  private final List<Thread> timerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Capabilities capabilities;
  private final TimeSource time;

  private RedisStore(RedisOptions options, String description, Link link) {
    super(description);
    this.options = options;
    this.link = link;
    StoreConfig config = options.config();
    this.time = config.timeSource();
    this.script = new StoreScript(link, config.prefix(), options.streamLength());
    this.reads = new Reads(script);
    this.timers =
        new ScheduledThreadPoolExecutor(
            2,
            r -> {
              Thread t = new Thread(r, "libkv-redis " + description);
              t.setDaemon(true);
              timerThreads.add(t);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
    // both threads now, not one at the sweep's first rerun: a store's threads are all there
    // from its open to its close
    timers.prestartAllCoreThreads();
    this.sessions =
        new Sessions(
            script,
            description,
            time,
            timers,
            keepAliveReporter(),
            () -> fireConnectionState(ConnectionState.LOST));
    this.writes = new Writes(script, sessions);
    this.feed =
        new ChangeFeed(
            link,
            script,
            reads,
            hub,
            description,
            config.operationTimeout(),
            this::fireConnectionState);
    this.capabilities =
        Capabilities.builder("redis")
            .ephemeralTtl(MIN_EPHEMERAL_TTL, SWEEP_PERIOD)
            .expiringTtl(MIN_EXPIRING_TTL, SWEEP_PERIOD)
            .everyRevisionWatch(true)
            .crossProcessWatch(true)
            .tls(true)
            .auth(true)
            .atomicBatch(true)
            .maxValueBytes(config.maxValueBytes().orElse(DEFAULT_MAX_VALUE_BYTES))
            .transactionLimits(
                new Capabilities.TransactionLimits(
                    Integer.MAX_VALUE,
                    Integer.MAX_VALUE,
                    Integer.MAX_VALUE,
                    512L * 1024 * 1024,
                    true,
                    true))
            .build();
  }

  /** Connects and opens a store; fails with {@code StoreUnavailableException} when unreachable. */
  static RedisStore open(RedisOptions options, StoreLocation location) {
    return open(options, location, null);
  }

  /** As {@link #open(RedisOptions, StoreLocation)}, on Lettuce resources of the caller's. */
  static RedisStore open(
      RedisOptions options,
      StoreLocation location,
      io.lettuce.core.resource.@Nullable ClientResources resources) {
    String prefix = options.config().prefix();
    StoreScript.tag(prefix);
    boolean tls = options.config().tls();
    String description =
        (tls ? "rediss" : "redis")
            + "://"
            + String.join(",", location.endpoints())
            + (prefix.isEmpty() ? "" : "/" + prefix);
    Link link = Link.open(options, description, resources);
    RedisStore s = new RedisStore(options, description, link);
    s.timers.scheduleWithFixedDelay(
        s::sweep, SWEEP_PERIOD.toMillis(), SWEEP_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return s;
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  /** The ids of this store's live sessions (for tests that expire them on the server). */
  public List<String> sessionIds() {
    return sessions.ids();
  }

  /** The Redis name of this store's sessions set (for tests that expire sessions). */
  public byte[] sessionsKey() {
    return script.sessionsKey();
  }

  /** The Redis name of this store's change stream (for tests that trim it). */
  public byte[] streamKey() {
    return script.streamKey();
  }

  /** Every Redis key this store's data lives in. */
  public List<byte[]> redisKeys() {
    return script.allKeys();
  }

  /** The server's version and role, as the connection's server reports them; the sessions kept. */
  @Override
  public StoreStatus status() {
    StoreStatus.Builder b = statusBuilder();
    String endpoints = String.join(",", link.endpoints());
    try {
      String info =
          link.call(false, null, "status", c -> c.info("server"))
              + "\n"
              + link.call(false, null, "status", c -> c.info("replication"));
      Map<String, String> fields = new LinkedHashMap<>();
      for (String line : info.split("\r?\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith("#")) {
          fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
      }
      String version = fields.getOrDefault("redis_version", "");
      String role = fields.getOrDefault("role", "unknown");
      if (!version.isEmpty()) {
        b.serverVersion(version);
      }
      b.member(
          new StoreStatus.Member(
              endpoints,
              StoreStatus.Health.UP,
              version.isEmpty() ? Optional.empty() : Optional.of(version),
              "master".equals(role),
              Optional.of(
                  "role "
                      + role
                      + (options.sentinel().isPresent()
                          ? ", primary of " + options.sentinel().get() + " by its sentinels"
                          : "")
                      + (options.cluster() ? ", the node serving slot of " + script.tag() : "")
                      + ", connected replicas "
                      + fields.getOrDefault("connected_slaves", "0"))));
    } catch (KVException e) {
      b.member(
          new StoreStatus.Member(
              endpoints,
              StoreStatus.Health.DOWN,
              Optional.empty(),
              false,
              Optional.of(e.getMessage() == null ? e.toString() : e.getMessage())));
    }
    List<String> ids = sessions.ids();
    b.detail("sessions", ids.isEmpty() ? "none" : ids.size() + " kept alive");
    return b.build();
  }

  TimeSource timeSource() {
    return time;
  }

  void checkUsable() {
    checkOpen();
  }

  private void sweep() {
    if (isClosed()) {
      return;
    }
    try {
      script.integer(true, null, "delete expired keys", "sweep");
    } catch (KVException | IllegalStateException e) {
      // the next period tries again; reads already hide what expired
    }
  }

  /**
   * Waits until {@code waitReplicas} replicas have every write made so far on the connection, when
   * the store is set to; fewer in time: the outcome of the write is unknown.
   */
  void awaitReplicas(@Nullable String key) {
    int n = options.waitReplicas();
    if (n == 0) {
      return;
    }
    long got = link.awaitReplicas(n, options.waitTimeout(), key);
    if (got < n) {
      throw new UnknownOutcomeException(
          "applied by the primary but confirmed by "
              + got
              + " of "
              + n
              + " replicas within "
              + io.libkv.Durations.format(options.waitTimeout())
              + ": a failover may lose it",
          key,
          description(),
          link.endpoints(),
          null);
    }
  }

  // ---- the contract

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    writes.put(key, value, options);
    awaitReplicas(key);
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    List<Writes.Op> ops = new ArrayList<>(entries.size());
    entries.forEach((k, v) -> ops.add(Writes.Op.put(k, v, WriteOptions.DEFAULT)));
    writes.commit(List.of(), ops, null, "putAll");
    awaitReplicas(null);
  }

  @Override
  protected KVPair doGet(String key) {
    KVPair p = reads.get(key);
    if (p == null) {
      throw new KeyNotFoundException("key not found", key, description(), null);
    }
    return p;
  }

  @Override
  protected boolean doExists(String key) {
    return reads.get(key) != null;
  }

  @Override
  protected void doDelete(String key) {
    writes.commit(List.of(), List.of(Writes.Op.delete(key)), key, "delete");
    awaitReplicas(key);
  }

  @Override
  protected List<KVPair> doList(String dir) {
    Reads.DirAt d = reads.dir(dir);
    if (!d.found()) {
      throw new KeyNotFoundException("directory not found", dir, description(), null);
    }
    return d.pairs();
  }

  @Override
  protected void doDeleteTree(String dir) {
    writes.commit(List.of(), List.of(Writes.Op.deleteTree(dir)), dir, "deleteTree");
    awaitReplicas(dir);
  }

  @Override
  protected KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    Transaction.Condition c =
        previous == null
            ? new Transaction.Absent(key)
            : new Transaction.IndexEquals(key, previous.lastIndex());
    Writes.Outcome o =
        writes.commit(List.of(c), List.of(Writes.Op.put(key, value, options)), key, "atomicPut");
    if (!o.committed()) {
      throw conflict(key, previous, o.current(), previous == null);
    }
    awaitReplicas(key);
    return KVPair.of(key, value, o.index());
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    Writes.Outcome o =
        writes.commit(
            List.of(new Transaction.IndexEquals(key, previous.lastIndex())),
            List.of(Writes.Op.delete(key)),
            key,
            "atomicDelete");
    if (!o.committed()) {
      throw conflict(key, previous, o.current(), false);
    }
    awaitReplicas(key);
  }

  private KVException conflict(
      String key, @Nullable KVPair previous, List<KVPair> current, boolean create) {
    if (create) {
      return new KeyExistsException("key exists (create-only write)", key, description(), null);
    }
    if (current.isEmpty()) {
      return new KeyNotFoundException("key not found (compare-and-set)", key, description(), null);
    }
    return new KeyModifiedException(
        "key was modified: index is "
            + current.get(0).lastIndex()
            + ", expected "
            + (previous == null ? 0 : previous.lastIndex()),
        key,
        description(),
        null);
  }

  @Override
  protected TransactionResult doCommit(Transaction t) {
    List<Writes.Op> ops = new ArrayList<>(t.operations().size());
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Put p) {
        ops.add(Writes.Op.put(p.key(), p.valueUnsafe(), p.options()));
      } else {
        ops.add(Writes.Op.delete(o.key()));
      }
    }
    String first = t.operations().get(0).key();
    Writes.Outcome o = writes.commit(t.conditions(), ops, first, "commit");
    if (!o.committed()) {
      return TransactionResult.failed(t.conditions().get(o.failed() - 1), o.current());
    }
    awaitReplicas(first);
    Map<String, Long> indexes = new LinkedHashMap<>();
    for (Transaction.Operation op : t.operations()) {
      if (op instanceof Transaction.Put) {
        indexes.put(op.key(), o.index());
      }
    }
    return TransactionResult.committed(indexes, o.index());
  }

  @Override
  public Map<String, Integer> watchResources() {
    return Map.of("its watchers in the hub of " + description(), hub.watcherCount(this::madeHere));
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    WatchHub.KeyWatcher w = hub.attachKey(key, channel);
    channel.onClose(feed::stopIfIdle);
    try {
      // after attaching: a feed stopping for want of watches sees this one, or starts again
      feed.start();
      Reads.KeyAt now = reads.key(key);
      if (options.startIndex().isPresent()) {
        long from = options.startIndex().getAsLong();
        Reads.History h = reads.history(from, null);
        if (!covers(h, from)) {
          w.restart(io.libkv.EventType.RESYNC, now.pair(), Math.max(now.index(), from));
          return;
        }
        List<WatchHub.Change> mine = new ArrayList<>();
        for (List<WatchHub.Change> set : h.changeSets()) {
          for (WatchHub.Change c : set) {
            if (c.key().equals(key)) {
              mine.add(c);
            }
          }
        }
        w.startResumed(mine, from, h.index());
      } else {
        w.start(now.pair(), now.index());
      }
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    WatchHub.TreeWatcher w = hub.attachTree(dir, channel);
    channel.onClose(feed::stopIfIdle);
    try {
      feed.start();
      if (options.startIndex().isPresent()) {
        long from = options.startIndex().getAsLong();
        Reads.History h = reads.history(from, dir);
        if (!covers(h, from)) {
          w.restart(io.libkv.EventType.RESYNC, h.pairs(), Math.max(h.index(), from));
          return;
        }
        List<WatchHub.Change> mine = new ArrayList<>();
        for (List<WatchHub.Change> set : h.changeSets()) {
          for (WatchHub.Change c : set) {
            if (io.libkv.Keys.isBelow(c.key(), dir)) {
              mine.add(c);
            }
          }
        }
        w.startResumed(h.pairs(), mine, from, h.index());
      } else {
        Reads.DirAt now = reads.dir(dir);
        w.start(now.pairs(), now.index());
      }
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Whether the history after {@code from} is whole: its first entry right after it, or none. */
  private static boolean covers(Reads.History h, long from) {
    if (h.index() < from) {
      return false;
    }
    if (h.index() == from) {
      return true;
    }
    return h.first() == from + 1;
  }

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    return new RedisLock(this, script, sessions, feed, reads, key, options.value(), ttl);
  }

  /**
   * Waits until the timer threads are gone (a sweep or renewal in flight ends with the connection),
   * also when the closing thread is interrupted: its interrupt is kept for later.
   */
  private void awaitTimers() {
    long deadline = System.nanoTime() + options.config().operationTimeout().toNanos();
    boolean interrupted = false;
    while (!timers.isTerminated() && System.nanoTime() < deadline) {
      try {
        timers.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    // the pool counts as terminated a moment before its last thread has ended: wait for them too
    for (Thread t : timerThreads) {
      while (t.isAlive() && System.nanoTime() < deadline) {
        try {
          t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  protected void doClose() {
    try {
      feed.close();
    } finally {
      try {
        // while the connection and the timers still run: ephemeral keys and locks go at once
        sessions.closeAll();
      } finally {
        timers.shutdownNow();
        try {
          link.close();
        } finally {
          awaitTimers();
        }
      }
    }
  }
}
