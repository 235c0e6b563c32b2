package io.libkv.memory;

import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.spi.AbstractStore;
import io.libkv.spi.EventChannel;
import io.libkv.spi.KeepAlive;
import io.libkv.spi.WatchHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory reference store: the whole contract, exactly, in one JVM. Use it as a test double:
 * stores opened on the same {@code memory:NAME} share data (one playing the server for all), so
 * multi-client cases work; {@code memory:} alone gets private data.
 *
 * <p>Ephemeral keys and locks live on leases that the store keeps alive, as a networked backend
 * does; {@link #simulateSessionExpiry()} and {@link #simulatePartition(boolean)} inject the faults
 * a real server can cause. Named data lives as long as the JVM (or until {@link #drop(String)}).
 */
public final class MemoryStore extends AbstractStore {
  /** The smallest ephemeral TTL: leases are renewed every third of it by a timer. */
  public static final Duration MIN_EPHEMERAL_TTL = Duration.ofMillis(100);

  /** The smallest expiring TTL. */
  public static final Duration MIN_EXPIRING_TTL = Duration.ofMillis(10);

  /** The default value limit. */
  public static final long DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

  private static final Map<String, MemoryData> NAMED = new ConcurrentHashMap<>();
  private static final AtomicLong ANONYMOUS = new AtomicLong();

  private final MemoryData data;
  private final Capabilities capabilities;
  private final Map<Duration, MemoryData.Lease> leases = new HashMap<>();
  private final Map<MemoryData.Lease, KeepAlive> keepAlives = new HashMap<>();
  private volatile boolean partitioned;

  private MemoryStore(MemoryData data, String description, StoreConfig config) {
    super(description);
    this.data = data;
    this.capabilities =
        Capabilities.builder("memory")
            .ephemeralTtl(MIN_EPHEMERAL_TTL, Duration.ofMillis(50))
            .expiringTtl(MIN_EXPIRING_TTL, Duration.ofMillis(50))
            .everyRevisionWatch(true)
            .atomicBatch(true)
            .maxValueBytes(config.maxValueBytes().orElse(DEFAULT_MAX_VALUE_BYTES))
            .build();
  }

  /**
   * Opens a store on {@code memory:NAME} ({@code name} empty: private data).
   *
   * @throws NullPointerException if an argument is null
   */
  public static MemoryStore open(String name, StoreConfig config) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(config, "config");
    MemoryData d =
        name.isEmpty()
            ? new MemoryData("#" + ANONYMOUS.incrementAndGet(), config.timeSource())
            : NAMED.computeIfAbsent(name, n -> new MemoryData(n, config.timeSource()));
    return new MemoryStore(d, "memory:" + name, config);
  }

  /**
   * Forgets the data of {@code memory:NAME}; stores still open on it keep working on the old data.
   */
  public static void drop(String name) {
    NAMED.remove(Objects.requireNonNull(name, "name"));
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  // ---- fault injection, for tests of what a real server can do

  /**
   * Expires this store's session at once, as a server would after losing it: its ephemeral keys are
   * deleted, its locks are lost (their {@code lost()} completes) and freed. Listeners see {@link
   * ConnectionState#LOST} then {@link ConnectionState#RECONNECTED}; the store goes on with a new
   * session.
   */
  public void simulateSessionExpiry() {
    checkOpen();
    data.lock.lock();
    try {
      for (MemoryData.Lease l : new ArrayList<>(leases.values())) {
        dropLease(l);
        data.revoke(l);
      }
    } finally {
      data.lock.unlock();
    }
    fireConnectionState(ConnectionState.LOST);
    fireConnectionState(ConnectionState.RECONNECTED);
  }

  /**
   * Cuts this store off ({@code true}) or reconnects it. While cut off every call fails with {@link
   * StoreUnavailableException} and leases are not renewed: the "server" expires them after their
   * TTL, and the store declares its locks lost before that.
   */
  public void simulatePartition(boolean cut) {
    checkOpen();
    boolean was = partitioned;
    partitioned = cut;
    if (cut && !was) {
      fireConnectionState(ConnectionState.SUSPENDED);
    } else if (!cut && was) {
      fireConnectionState(ConnectionState.RECONNECTED);
    }
  }

  private void reachable(@Nullable String key) {
    if (partitioned) {
      throw new StoreUnavailableException(
          "store is cut off (simulated partition)", key, description(), List.of(), null);
    }
  }

  // ---- leases

  /** This store's live lease of {@code ttl}, made and kept alive on first use. Lock held. */
  MemoryData.Lease lease(Duration ttl) {
    // under the data lock, so a close racing with this write either sees the lease or prevents it
    checkOpen();
    MemoryData.Lease l = leases.get(ttl);
    if (l != null && !l.revoked) {
      return l;
    }
    MemoryData.Lease fresh = data.newLease(this, ttl);
    leases.put(ttl, fresh);
    keepAlives.put(
        fresh,
        KeepAlive.start(
            "lease " + fresh.id + " of " + description(),
            ttl,
            data.time.nanoTime(),
            data.time,
            Runnable::run,
            () -> renew(fresh),
            e -> lost(fresh),
            keepAliveReporter()));
    return fresh;
  }

  /**
   * Until when {@code l}, just returned by {@link #lease}, is confirmed: its keep-alive's deadline.
   * Lock held.
   */
  io.libkv.spi.LeaseDeadline deadline(MemoryData.Lease l) {
    return java.util.Objects.requireNonNull(keepAlives.get(l), "keep-alive of a live lease");
  }

  private void renew(MemoryData.Lease l) {
    locked(
        null,
        () -> {
          if (!data.renew(l)) {
            throw new StoreUnavailableException(
                "lease " + l.id + " expired", null, description(), List.of(), null);
          }
          return null;
        });
  }

  /** The client's side of a loss: the lease could not be renewed, so its locks are lost now. */
  private void lost(MemoryData.Lease l) {
    data.lock.lock();
    try {
      for (MemoryLock.Held h : new ArrayList<>(l.held)) {
        h.markLost();
      }
      dropLease(l);
    } finally {
      data.lock.unlock();
    }
    fireConnectionState(ConnectionState.LOST);
  }

  private void dropLease(MemoryData.Lease l) {
    leases.remove(l.ttl, l);
    KeepAlive k = keepAlives.remove(l);
    if (k != null) {
      k.close();
    }
  }

  /**
   * Runs {@code op} on the shared data under its lock, once the store is reachable for {@code key}.
   */
  private <T> T locked(@Nullable String key, java.util.function.Supplier<T> op) {
    reachable(key);
    data.lock.lock();
    try {
      return op.get();
    } finally {
      data.lock.unlock();
    }
  }

  // ---- the contract

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    locked(
        key,
        () -> {
          data.sweepDue();
          write(key, value, options);
          return null;
        });
  }

  private KVPair write(String key, byte[] value, WriteOptions options) {
    MemoryData.Lease lease = options.isEphemeral() ? lease(options.ttl().orElseThrow()) : null;
    long expiresAt =
        options.isExpiring() ? data.now() + options.ttl().orElseThrow().toNanos() : Long.MAX_VALUE;
    return data.write(key, value, lease, expiresAt);
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    locked(
        null,
        () -> {
          data.sweepDue();
          data.putAll(entries);
          return null;
        });
  }

  @Override
  protected KVPair doGet(String key) {
    return locked(
        key,
        () -> {
          MemoryData.Entry e = data.live(key);
          if (e == null) {
            throw new KeyNotFoundException("key not found", key, description(), null);
          }
          return e.pair;
        });
  }

  @Override
  protected boolean doExists(String key) {
    return locked(
        key,
        () -> {
          return data.live(key) != null;
        });
  }

  @Override
  protected void doDelete(String key) {
    locked(
        key,
        () -> {
          data.sweepDue();
          data.remove(key);
          return null;
        });
  }

  @Override
  protected List<KVPair> doList(String dir) {
    return locked(
        dir,
        () -> {
          List<KVPair> out = data.below(dir);
          if (out.isEmpty() && !dir.isEmpty() && !data.map.containsKey(dir)) {
            throw new KeyNotFoundException("directory not found", dir, description(), null);
          }
          return out;
        });
  }

  @Override
  protected void doDeleteTree(String dir) {
    locked(
        dir,
        () -> {
          data.sweepDue();
          data.removeAll(data.keysFrom(dir));
          return null;
        });
  }

  @Override
  protected KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    return locked(
        key,
        () -> {
          MemoryData.Entry e = data.live(key);
          if (previous == null) {
            if (e != null) {
              throw new KeyExistsException(
                  "key exists (create-only write)", key, description(), null);
            }
          } else {
            compare(key, e, previous);
          }
          return write(key, value, options);
        });
  }

  private void compare(String key, MemoryData.@Nullable Entry e, KVPair previous) {
    if (e == null) {
      throw new KeyNotFoundException("key not found (compare-and-set)", key, description(), null);
    }
    if (e.pair.lastIndex() != previous.lastIndex()) {
      throw new KeyModifiedException(
          "key was modified: index is " + e.pair.lastIndex() + ", expected " + previous.lastIndex(),
          key,
          description(),
          null);
    }
  }

  @Override
  protected TransactionResult doCommit(Transaction t) {
    return locked(
        t.operations().get(0).key(),
        () -> {
          data.sweepDue();
          for (Transaction.Condition c : t.conditions()) {
            MemoryData.Entry e = data.live(c.key());
            if (!c.holdsFor(e == null ? null : e.pair)) {
              List<KVPair> current = new ArrayList<>();
              for (String k : t.comparedKeys()) {
                MemoryData.Entry ce = data.live(k);
                if (ce != null) {
                  current.add(ce.pair);
                }
              }
              return TransactionResult.failed(c, current);
            }
          }
          List<MemoryData.Put> puts = new ArrayList<>();
          List<String> deletes = new ArrayList<>();
          for (Transaction.Operation o : t.operations()) {
            if (o instanceof Transaction.Put p) {
              WriteOptions options = p.options();
              MemoryData.Lease lease =
                  options.isEphemeral() ? lease(options.ttl().orElseThrow()) : null;
              long expiresAt =
                  options.isExpiring()
                      ? data.now() + options.ttl().orElseThrow().toNanos()
                      : Long.MAX_VALUE;
              puts.add(new MemoryData.Put(p.key(), p.valueUnsafe(), lease, expiresAt));
            } else {
              deletes.add(o.key());
            }
          }
          Map<String, Long> indexes = data.applyAll(puts, deletes);
          return TransactionResult.committed(indexes, data.index());
        });
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    locked(
        key,
        () -> {
          compare(key, data.live(key), previous);
          data.remove(key);
          return null;
        });
  }

  @Override
  public Map<String, Integer> watchResources() {
    return Map.of(
        "its watchers in the hub of memory:" + data.name, data.hub.watcherCount(this::madeHere));
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    locked(
        key,
        () -> {
          WatchHub.KeyWatcher w = data.hub.attachKey(key, channel);
          MemoryData.Entry e = data.live(key);
          KVPair current = e == null ? null : e.pair;
          if (options.startIndex().isPresent()) {
            long from = options.startIndex().getAsLong();
            List<WatchHub.Change> h = data.historySince(from, key::equals);
            if (h == null) {
              w.restart(io.libkv.EventType.RESYNC, current, data.index());
            } else {
              w.startResumed(h, from, data.index());
            }
          } else {
            w.start(current, data.index());
          }
          return null;
        });
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    locked(
        dir,
        () -> {
          WatchHub.TreeWatcher w = data.hub.attachTree(dir, channel);
          List<KVPair> current = data.below(dir);
          if (options.startIndex().isPresent()) {
            long from = options.startIndex().getAsLong();
            List<WatchHub.Change> h = data.historySince(from, k -> Keys.isBelow(k, dir));
            if (h == null) {
              w.restart(io.libkv.EventType.RESYNC, current, data.index());
            } else {
              w.startResumed(current, h, from, data.index());
            }
          } else {
            w.start(current, data.index());
          }
          return null;
        });
  }

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    return new MemoryLock(this, data, key, options.value(), ttl);
  }

  /**
   * Checks that the store is open and not cut off, for a lock's attempt (made outside the API's
   * checks).
   */
  void checkReachable(String key) {
    checkOpen();
    reachable(key);
  }

  @Override
  protected void doClose() {
    data.lock.lock();
    try {
      for (MemoryData.Lease l : new ArrayList<>(leases.values())) {
        dropLease(l);
        data.revoke(l);
      }
    } finally {
      data.lock.unlock();
    }
  }
}
