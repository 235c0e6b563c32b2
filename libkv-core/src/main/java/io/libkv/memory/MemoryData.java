package io.libkv.memory;

import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.Subscription;
import io.libkv.TimeSource;
import io.libkv.spi.WatchHub;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The data of one {@code memory:NAME}: shared by every store opened on that name, playing the
 * server's part (index, leases and their expiry, locks, change history, watch fan-out). Every
 * method expects {@link #lock} to be held unless it says otherwise.
 */
final class MemoryData {
  static final int HISTORY = 10_000;

  final String name;
  final TimeSource time;
  final ReentrantLock lock = new ReentrantLock();
  final TreeMap<String, Entry> map = new TreeMap<>(Keys.UTF8_ORDER);
  final WatchHub hub = new WatchHub();
  final Map<String, LockState> locks = new HashMap<>();
  private final ArrayDeque<WatchHub.Change> history = new ArrayDeque<>();
  private final Set<Lease> leases = new LinkedHashSet<>();
  private long index;
  private long historyFloor;
  private long nextLeaseId = 1;
  private long sweepAt = Long.MAX_VALUE;
  private @Nullable Subscription sweepTimer;
  private final Set<String> expiring = new java.util.HashSet<>();

  MemoryData(String name, TimeSource time) {
    this.name = name;
    this.time = time;
  }

  static final class Entry {
    final KVPair pair;
    final @Nullable Lease lease;
    final long expiresAt;

    Entry(KVPair pair, @Nullable Lease lease, long expiresAt) {
      this.pair = pair;
      this.lease = lease;
      this.expiresAt = expiresAt;
    }
  }

  /** A lease: the lifetime of a store's ephemeral keys and locks of one TTL. */
  static final class Lease {
    final long id;
    final MemoryStore owner;
    final Duration ttl;
    long deadline;
    boolean revoked;
    final Set<String> keys = new LinkedHashSet<>();
    final Set<MemoryLock.Held> held = new LinkedHashSet<>();

    Lease(long id, MemoryStore owner, Duration ttl, long deadline) {
      this.id = id;
      this.owner = owner;
      this.ttl = ttl;
      this.deadline = deadline;
    }
  }

  /**
   * Who holds a lock, and a future completed when it is released, or, while no lock holds the key
   * but a value another writer put does, when that value is deleted.
   */
  static final class LockState {
    MemoryLock.@Nullable Held holder;
    CompletableFuture<Void> released = new CompletableFuture<>();
  }

  long index() {
    return index;
  }

  long nextIndex() {
    return ++index;
  }

  long now() {
    return time.nanoTime();
  }

  // ---- reads

  @Nullable Entry live(String key) {
    sweepDue();
    return map.get(key);
  }

  List<KVPair> below(String dir) {
    sweepDue();
    String prefix = Keys.prefixOf(dir);
    List<KVPair> out = new ArrayList<>();
    for (Entry e : map.tailMap(prefix, true).values()) {
      if (!e.pair.key().startsWith(prefix)) {
        break;
      }
      out.add(e.pair);
    }
    return out;
  }

  // ---- writes: each publishes its changes and records them for resumed watches

  KVPair write(String key, byte[] value, @Nullable Lease lease, long expiresAt) {
    Entry old = map.get(key);
    if (old != null && old.lease != null && old.lease != lease) {
      old.lease.keys.remove(key);
    }
    KVPair pair = KVPair.ofOwned(key, value.clone(), nextIndex());
    map.put(key, new Entry(pair, lease, expiresAt));
    if (lease != null) {
      lease.keys.add(key);
    }
    if (expiresAt != Long.MAX_VALUE) {
      expiring.add(key);
      scheduleSweep(expiresAt);
    }
    record(List.of(WatchHub.Change.put(pair)));
    return pair;
  }

  void putAll(Map<String, byte[]> entries) {
    List<Put> puts = new ArrayList<>(entries.size());
    entries.forEach((k, v) -> puts.add(new Put(k, v, null, Long.MAX_VALUE)));
    applyAll(puts, List.of());
  }

  /** A put of a transaction, with its lease and deadline resolved. */
  record Put(String key, byte[] value, @Nullable Lease lease, long expiresAt) {}

  /**
   * Applies a transaction's puts and deletes at one index, published as one set of changes.
   *
   * @return the new index of each key put
   */
  Map<String, Long> applyAll(List<Put> puts, List<String> deletes) {
    List<WatchHub.Change> changes = new ArrayList<>(puts.size() + deletes.size());
    Map<String, Long> indexes = new java.util.LinkedHashMap<>();
    long idx = 0;
    for (String k : deletes) {
      Entry e = map.remove(k);
      if (e == null) {
        continue;
      }
      if (idx == 0) {
        idx = nextIndex();
      }
      if (e.lease != null) {
        e.lease.keys.remove(k);
      }
      LockState st = locks.get(k);
      if (st != null && st.holder == null) {
        locks.remove(k);
        st.released.complete(null);
      }
      changes.add(WatchHub.Change.delete(k, idx));
    }
    for (Put p : puts) {
      if (idx == 0) {
        idx = nextIndex();
      }
      Entry old = map.get(p.key);
      if (old != null && old.lease != null && old.lease != p.lease) {
        old.lease.keys.remove(p.key);
      }
      KVPair pair = KVPair.ofOwned(p.key, p.value.clone(), idx);
      map.put(p.key, new Entry(pair, p.lease, p.expiresAt));
      if (p.lease != null) {
        p.lease.keys.add(p.key);
      }
      if (p.expiresAt != Long.MAX_VALUE) {
        expiring.add(p.key);
        scheduleSweep(p.expiresAt);
      }
      changes.add(WatchHub.Change.put(pair));
      indexes.put(p.key, idx);
    }
    if (!changes.isEmpty()) {
      // one index, one publication: a tree watch sees the transaction as one event
      record(changes);
    }
    return indexes;
  }

  boolean remove(String key) {
    return removeAll(List.of(key));
  }

  /** Removes keys at one index; false if none existed. */
  boolean removeAll(List<String> keys) {
    long before = index;
    applyAll(List.of(), keys);
    return index != before;
  }

  List<String> keysFrom(String dir) {
    List<String> ks = new ArrayList<>();
    if (map.containsKey(dir)) {
      ks.add(dir);
    }
    for (KVPair p : below(dir)) {
      ks.add(p.key());
    }
    return ks;
  }

  private void record(List<WatchHub.Change> changes) {
    for (WatchHub.Change c : changes) {
      history.addLast(c);
      if (history.size() > HISTORY) {
        historyFloor = history.removeFirst().index();
      }
    }
    hub.publishAll(changes);
  }

  /**
   * The changes after {@code fromIndex} of keys accepted by {@code filter}, or null if that history
   * is gone.
   */
  @Nullable List<WatchHub.Change> historySince(
      long fromIndex, java.util.function.Predicate<String> filter) {
    if (fromIndex < historyFloor) {
      return null;
    }
    List<WatchHub.Change> out = new ArrayList<>();
    for (Iterator<WatchHub.Change> it = history.descendingIterator(); it.hasNext(); ) {
      WatchHub.Change c = it.next();
      if (c.index() <= fromIndex) {
        break;
      }
      if (filter.test(c.key())) {
        out.add(c);
      }
    }
    java.util.Collections.reverse(out);
    return out;
  }

  // ---- leases

  Lease newLease(MemoryStore owner, Duration ttl) {
    Lease l = new Lease(nextLeaseId++, owner, ttl, now() + ttl.toNanos());
    leases.add(l);
    scheduleSweep(l.deadline);
    return l;
  }

  /** Renews a lease; false if it is gone. */
  boolean renew(Lease l) {
    sweepDue();
    if (l.revoked) {
      return false;
    }
    l.deadline = now() + l.ttl.toNanos();
    scheduleSweep(l.deadline);
    return true;
  }

  /**
   * Ends a lease: its keys are deleted, its locks freed and reported lost unless {@code unlocking}.
   */
  void revoke(Lease l) {
    if (l.revoked) {
      return;
    }
    l.revoked = true;
    leases.remove(l);
    for (MemoryLock.Held h : new ArrayList<>(l.held)) {
      h.markLost();
      freeLock(h);
    }
    removeAll(new ArrayList<>(l.keys));
    l.keys.clear();
  }

  void freeLock(MemoryLock.Held h) {
    LockState st = locks.get(h.key());
    if (st != null && st.holder == h) {
      st.holder = null;
      CompletableFuture<Void> r = st.released;
      st.released = new CompletableFuture<>();
      locks.remove(h.key());
      r.complete(null);
    }
    h.lease.held.remove(h);
  }

  // ---- expiry

  private void scheduleSweep(long at) {
    if (at >= sweepAt) {
      return;
    }
    if (sweepTimer != null) {
      sweepTimer.close();
    }
    sweepAt = at;
    long delay = Math.max(0, at - now());
    sweepTimer = time.schedule(this::sweepFromTimer, Duration.ofNanos(delay));
  }

  private void sweepFromTimer() {
    lock.lock();
    try {
      sweepTimer = null;
      long at = sweepAt;
      sweepAt = Long.MAX_VALUE;
      if (now() < at) {
        scheduleSweep(at);
        return;
      }
      sweepNow();
    } finally {
      lock.unlock();
    }
  }

  /** Removes every lease and expiring key whose time has come (cheap when none has). */
  void sweepDue() {
    if (now() >= sweepAt) {
      sweepNow();
    }
  }

  private void sweepNow() {
    if (sweepTimer != null) {
      sweepTimer.close();
      sweepTimer = null;
    }
    sweepAt = Long.MAX_VALUE;
    long now = now();
    for (Lease l : new ArrayList<>(leases)) {
      if (l.deadline <= now) {
        revoke(l);
      }
    }
    List<String> expired = new ArrayList<>();
    long next = Long.MAX_VALUE;
    for (String k : expiring) {
      Entry e = map.get(k);
      if (e == null || e.expiresAt == Long.MAX_VALUE) {
        continue;
      }
      if (e.expiresAt <= now) {
        expired.add(k);
      } else {
        next = Math.min(next, e.expiresAt);
      }
    }
    expiring.removeIf(
        k -> {
          Entry e = map.get(k);
          return e == null || e.expiresAt == Long.MAX_VALUE;
        });
    for (String k : expired) {
      remove(k);
      expiring.remove(k);
    }
    for (Lease l : leases) {
      next = Math.min(next, l.deadline);
    }
    if (next != Long.MAX_VALUE) {
      scheduleSweep(next);
    }
  }
}
