package io.libkv.boltdb.internal;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.TreeEvent;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Entry;
import io.libkv.bolt.Tx;
import io.libkv.spi.EventChannel;
import io.libkv.spi.WatchHub;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One user bucket of a {@link BoltFile}: its data operations (each inside a transaction the caller
 * runs), its index counter, TTL and lock records, and the watches on it.
 *
 * <p>Every write consumes a fresh index from the persisted counter (deletes too, recorded as
 * tombstones), so another process's commits can be turned into exact, ordered events by comparing
 * the bucket with the last state published. What a Go writer did cannot always be (its counter
 * restarts at 1, and it leaves no tombstones): watchers then get the re-read state as {@code RESET}
 * or {@code RESYNC}.
 */
final class BucketState {
  static final int TOMBSTONE_LIMIT = 10_000;
  private static final byte[] TOMB_COUNT = Layout.utf8("tombstone-count");
  // the highest index whose tombstones were pruned: resuming from before it cannot be exact
  private static final byte[] TOMB_FLOOR = Layout.utf8("tombstone-floor");

  private final BoltFile file;
  private final byte[] name;
  final String description;
  final WatchHub hub = new WatchHub();
  // the state last published to watchers, kept only while there are watchers
  private TreeMap<String, KVPair> snapshot;
  private long published;
  private long floor;
  private final List<List<WatchHub.Change>> pending = new ArrayList<>();
  private volatile long nextDeadline = Long.MAX_VALUE;

  BucketState(BoltFile file, String name) {
    this.file = file;
    this.name = Layout.utf8(name);
    this.description = "boltdb:" + file.path + (name.equals("libkv") ? "" : "?bucket=" + name);
  }

  // ---- records

  private Bucket meta(Tx tx) {
    Bucket m = tx.createBucketIfAbsent(Layout.META).createBucketIfAbsent(name);
    if (m.get(Layout.SCHEMA).isEmpty()) {
      m.put(Layout.SCHEMA, Layout.u64(Layout.SCHEMA_VERSION));
    }
    return m;
  }

  private Optional<Bucket> metaRead(Tx tx, byte[] child) {
    return tx.bucket(Layout.META, name, child);
  }

  private Bucket metaChild(Tx tx, byte[] child) {
    return meta(tx).createBucketIfAbsent(child);
  }

  private long nextIndex(Tx tx) {
    Bucket m = meta(tx);
    long counter = m.get(Layout.COUNTER).map(Layout::u64).orElse(0L);
    long next = Math.max(counter, floor) + 1;
    m.put(Layout.COUNTER, Layout.u64(next));
    return next;
  }

  /** The highest index handed out so far (0 in an empty file). */
  long currentIndex(Tx tx) {
    Optional<byte[]> c = tx.bucket(Layout.META, name).flatMap(b -> b.get(Layout.COUNTER));
    return Math.max(c.map(Layout::u64).orElse(0L), floor);
  }

  // ---- reads

  Optional<KVPair> get(Tx tx, String key) {
    Optional<Bucket> b = tx.bucket(name);
    if (b.isEmpty()) {
      return Optional.empty();
    }
    Optional<java.nio.ByteBuffer> v = b.get().view(Layout.utf8(key));
    if (v.isEmpty()) {
      for (byte[] s : Layout.spellings(key)) {
        v = b.get().view(s);
        if (v.isPresent()) {
          break;
        }
      }
    }
    if (v.isEmpty()) {
      return Optional.empty();
    }
    KVPair p = Layout.decode(key, v.get(), description);
    return expired(tx, key, p.lastIndex()) ? Optional.empty() : Optional.of(p);
  }

  private boolean expired(Tx tx, String key, long index) {
    long due = nextDeadline;
    if (due == Long.MAX_VALUE || System.currentTimeMillis() < due) {
      // no TTL record is due yet (nextDeadline is at or before the earliest one); with none at
      // all, not even the clock is read (a tenth of a get on a virtual machine's clock)
      return false;
    }
    Optional<Bucket> ttl = metaRead(tx, Layout.TTL);
    if (ttl.isEmpty()) {
      return false;
    }
    Optional<byte[]> r = ttl.get().get(Layout.utf8(key));
    if (r.isEmpty()) {
      return false;
    }
    Layout.TtlRecord rec = Layout.TtlRecord.decode(r.get());
    return rec.index == index && rec.deadlineMillis <= System.currentTimeMillis();
  }

  /** Every pair strictly below {@code dir} ("" = all), sorted, canonical spellings winning. */
  List<KVPair> list(Tx tx, String dir) {
    Optional<Bucket> b = tx.bucket(name);
    if (b.isEmpty()) {
      return List.of();
    }
    TreeMap<String, KVPair> out = new TreeMap<>(Keys.UTF8_ORDER);
    Map<String, Boolean> canonicalSeen = new HashMap<>();
    String prefix = Keys.prefixOf(dir);
    for (String p : dir.isEmpty() ? new String[] {""} : new String[] {prefix, "/" + prefix}) {
      byte[] pb = Layout.utf8(p);
      Cursor c = b.get().cursor();
      for (Optional<Entry> e = c.seek(pb); e.isPresent(); e = c.next()) {
        byte[] k = e.get().key();
        if (!startsWith(k, pb)) {
          break;
        }
        if (e.get().isBucket()) {
          continue;
        }
        Optional<String> ck = Layout.canonical(k);
        if (ck.isEmpty() || !Keys.isBelow(ck.get(), dir)) {
          continue;
        }
        boolean isCanonical = Arrays.equals(k, Layout.utf8(ck.get()));
        if (canonicalSeen.getOrDefault(ck.get(), false)) {
          continue;
        }
        KVPair pair = Layout.decode(ck.get(), e.get().value(), description);
        if (expired(tx, ck.get(), pair.lastIndex())) {
          continue;
        }
        out.put(ck.get(), pair);
        canonicalSeen.put(ck.get(), isCanonical);
      }
    }
    return new ArrayList<>(out.values());
  }

  private static boolean startsWith(byte[] k, byte[] p) {
    return k.length >= p.length && Arrays.equals(k, 0, p.length, p, 0, p.length);
  }

  // ---- writes (inside a write transaction; events go out after the commit)

  KVPair put(Tx tx, String key, byte[] value, Layout.TtlRecord ttl) {
    return putAt(tx, nextIndex(tx), key, value, ttl);
  }

  private KVPair putAt(Tx tx, long index, String key, byte[] value, Layout.TtlRecord ttl) {
    Bucket b = tx.createBucketIfAbsent(name);
    byte[] kb = Layout.utf8(key);
    b.put(kb, Layout.encodeValue(index, value));
    for (byte[] s : Layout.spellings(key)) {
      b.delete(s);
    }
    if (ttl != null) {
      Layout.TtlRecord r = new Layout.TtlRecord(ttl.deadlineMillis, index, ttl.ttlMillis, ttl.kind, ttl.owner);
      metaChild(tx, Layout.TTL).put(kb, r.encode());
      nextDeadline = Math.min(nextDeadline, r.deadlineMillis);
    } else {
      metaRead(tx, Layout.TTL).ifPresent(t -> t.delete(kb));
    }
    KVPair p = KVPair.ofOwned(key, value.clone(), index);
    pending.add(List.of(WatchHub.Change.put(p)));
    return p;
  }

  /** Several plain puts at one index. */
  void putAll(Tx tx, Map<String, byte[]> entries) {
    long index = nextIndex(tx);
    List<WatchHub.Change> changes = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      putAt(tx, index, e.getKey(), e.getValue(), null);
      changes.add(pending.remove(pending.size() - 1).get(0));
    }
    pending.add(changes);
  }

  boolean delete(Tx tx, String key) {
    return deleteAll(tx, List.of(key)) > 0;
  }

  /** Deletes keys at one index; returns how many existed. */
  int deleteAll(Tx tx, List<String> keys) {
    Optional<Bucket> b = tx.bucket(name);
    if (b.isEmpty()) {
      return 0;
    }
    long index = 0;
    List<WatchHub.Change> changes = new ArrayList<>();
    for (String key : keys) {
      boolean existed = false;
      byte[] kb = Layout.utf8(key);
      existed |= b.get().delete(kb);
      for (byte[] s : Layout.spellings(key)) {
        existed |= b.get().delete(s);
      }
      if (!existed) {
        continue;
      }
      if (index == 0) {
        index = nextIndex(tx);
      }
      metaRead(tx, Layout.TTL).ifPresent(t -> t.delete(kb));
      Bucket tombs = metaChild(tx, Layout.TOMBSTONES);
      if (tombs.get(kb).isEmpty()) {
        Bucket m = meta(tx);
        m.put(TOMB_COUNT, Layout.u64(m.get(TOMB_COUNT).map(Layout::u64).orElse(0L) + 1));
      }
      tombs.put(kb, Layout.u64(index));
      changes.add(WatchHub.Change.delete(key, index));
    }
    if (!changes.isEmpty()) {
      pending.add(changes);
      pruneTombstones(tx);
    }
    return changes.size();
  }

  /** Every key at or below {@code dir}, as stored in canonical form. */
  List<String> keysFrom(Tx tx, String dir) {
    List<String> keys = new ArrayList<>();
    if (get(tx, dir).isPresent()) {
      keys.add(dir);
    }
    for (KVPair p : list(tx, dir)) {
      keys.add(p.key());
    }
    return keys;
  }

  private void pruneTombstones(Tx tx) {
    long count = meta(tx).get(TOMB_COUNT).map(Layout::u64).orElse(0L);
    if (count <= TOMBSTONE_LIMIT + TOMBSTONE_LIMIT / 5) {
      return;
    }
    Bucket t = metaChild(tx, Layout.TOMBSTONES);
    List<long[]> idx = new ArrayList<>();
    List<byte[]> keys = new ArrayList<>();
    t.forEach(e -> {
      keys.add(e.key());
      idx.add(new long[] {Layout.u64(e.value()), keys.size() - 1});
    });
    if (keys.size() <= TOMBSTONE_LIMIT + TOMBSTONE_LIMIT / 5) {
      return;
    }
    idx.sort((a, c) -> Long.compare(a[0], c[0]));
    long pruned = 0;
    for (int i = 0; i < keys.size() - TOMBSTONE_LIMIT; i++) {
      t.delete(keys.get((int) idx.get(i)[1]));
      pruned = idx.get(i)[0];
    }
    meta(tx).put(TOMB_FLOOR, Layout.u64(pruned));
    meta(tx).put(TOMB_COUNT, Layout.u64(TOMBSTONE_LIMIT));
  }

  // ---- TTL

  /** Renews the deadlines of {@code owner}'s ephemeral keys among {@code keys}; returns the keys still ours. */
  List<String> renew(Tx tx, UUID owner, List<String> keys) {
    List<String> ours = new ArrayList<>();
    Optional<Bucket> ttl = metaRead(tx, Layout.TTL);
    if (ttl.isEmpty()) {
      return ours;
    }
    long now = System.currentTimeMillis();
    for (String k : keys) {
      byte[] kb = Layout.utf8(k);
      Optional<byte[]> r = ttl.get().get(kb);
      if (r.isEmpty()) {
        continue;
      }
      Layout.TtlRecord rec = Layout.TtlRecord.decode(r.get());
      if (!rec.owner.equals(owner) || rec.kind != Layout.EPHEMERAL) {
        continue;
      }
      ttl.get().put(kb, rec.renewed(now).encode());
      ours.add(k);
    }
    return ours;
  }

  /** Deletes {@code owner}'s ephemeral keys (store close). */
  void dropEphemeral(Tx tx, UUID owner) {
    Optional<Bucket> ttl = metaRead(tx, Layout.TTL);
    if (ttl.isEmpty()) {
      return;
    }
    List<String> mine = new ArrayList<>();
    ttl.get().forEach(e -> {
      Layout.TtlRecord rec = Layout.TtlRecord.decode(e.value());
      if (rec.owner.equals(owner) && rec.kind == Layout.EPHEMERAL) {
        Layout.canonical(e.key()).ifPresent(mine::add);
      }
    });
    for (String k : mine) {
      Optional<KVPair> p = get(tx, k);
      Optional<byte[]> r = ttl.get().get(Layout.utf8(k));
      if (p.isPresent() && r.isPresent() && Layout.TtlRecord.decode(r.get()).index == p.get().lastIndex()) {
        delete(tx, k);
      } else {
        ttl.get().delete(Layout.utf8(k));
      }
    }
  }

  boolean sweepDue() {
    return nextDeadline <= System.currentTimeMillis();
  }

  boolean hasTtl() {
    return nextDeadline != Long.MAX_VALUE;
  }

  /** Removes every key whose TTL record is due and still applies to its current write; lock records too. */
  void sweep(Tx tx) {
    long before = nextDeadline;
    file.onAbort(() -> nextDeadline = Math.min(nextDeadline, before)); // rolled back: still due
    long now = System.currentTimeMillis();
    long next = Long.MAX_VALUE;
    Optional<Bucket> ttl = metaRead(tx, Layout.TTL);
    if (ttl.isPresent()) {
      List<byte[]> due = new ArrayList<>();
      List<Long> dueIndex = new ArrayList<>();
      Bucket t = ttl.get();
      long[] nx = {Long.MAX_VALUE};
      t.forEach(e -> {
        Layout.TtlRecord rec = Layout.TtlRecord.decode(e.value());
        if (rec.deadlineMillis <= now) {
          due.add(e.key());
          dueIndex.add(rec.index);
        } else {
          nx[0] = Math.min(nx[0], rec.deadlineMillis);
        }
      });
      next = nx[0];
      List<String> expired = new ArrayList<>();
      for (int i = 0; i < due.size(); i++) {
        t.delete(due.get(i));
        Optional<String> k = Layout.canonical(due.get(i));
        if (k.isPresent()) {
          Optional<Bucket> b = tx.bucket(name);
          Optional<byte[]> v = b.flatMap(bb -> bb.get(Layout.utf8(k.get())));
          // a key rewritten since (by us without TTL, or by a Go writer) is not ours to sweep
          if (v.isPresent() && v.get().length >= Layout.INDEX_BYTES && Layout.indexOf(v.get()) == dueIndex.get(i)) {
            expired.add(k.get());
          }
        }
      }
      deleteAll(tx, expired);
    }
    Optional<Bucket> locks = metaRead(tx, Layout.LOCKS);
    if (locks.isPresent()) {
      List<byte[]> stale = new ArrayList<>();
      long[] nx = {next};
      locks.get().forEach(e -> {
        Layout.LockRecord r = Layout.LockRecord.decode(e.value());
        if (r.deadlineMillis <= now) {
          stale.add(e.key());
        } else {
          nx[0] = Math.min(nx[0], r.deadlineMillis);
        }
      });
      next = nx[0];
      stale.forEach(k -> locks.get().delete(k));
    }
    nextDeadline = next;
  }

  // ---- locks

  /**
   * Whether the lock is held: by a live holder, or by the writer of a value the key holds (a read:
   * waiters check this before contending for a write).
   */
  boolean lockHeld(Tx tx, String key) {
    Optional<byte[]> cur = metaRead(tx, Layout.LOCKS).flatMap(b -> b.get(Layout.utf8(key)));
    if (cur.isEmpty()) {
      return valuePresent(tx, key);
    }
    long deadline = Layout.LockRecord.decode(cur.get()).deadlineMillis;
    nextDeadline = Math.min(nextDeadline, deadline);
    return deadline > System.currentTimeMillis() || valuePresent(tx, key);
  }

  /**
   * Whether the key holds a live value, which a lock must neither overwrite nor delete. A TTL on it
   * schedules the sweep that deletes it, whose commit wakes the lock's waiters.
   */
  private boolean valuePresent(Tx tx, String key) {
    if (get(tx, key).isEmpty()) {
      return false;
    }
    metaRead(tx, Layout.TTL).flatMap(t -> t.get(Layout.utf8(key)))
        .ifPresent(r -> nextDeadline = Math.min(nextDeadline, Layout.TtlRecord.decode(r).deadlineMillis));
    return true;
  }

  /**
   * Takes the lock if free (its holder's deadline passed or none, and the key absent); returns the
   * token, or 0 if held.
   */
  long tryLock(Tx tx, String key, UUID owner, byte[] value, long ttlMillis) {
    byte[] kb = Layout.utf8(key);
    Optional<byte[]> cur = metaRead(tx, Layout.LOCKS).flatMap(b -> b.get(kb));
    long now = System.currentTimeMillis();
    if (cur.isPresent()) {
      long deadline = Layout.LockRecord.decode(cur.get()).deadlineMillis;
      if (deadline > now) {
        // the poller sweeps at that deadline if the holder stops renewing, which wakes waiters
        nextDeadline = Math.min(nextDeadline, deadline);
        return 0;
      }
    }
    if (valuePresent(tx, key)) {
      return 0;
    }
    KVPair p = put(tx, key, value, new Layout.TtlRecord(now + ttlMillis, 0, ttlMillis, Layout.EPHEMERAL, owner));
    metaChild(tx, Layout.LOCKS).put(kb, new Layout.LockRecord(owner, p.lastIndex(), now + ttlMillis, ttlMillis).encode());
    nextDeadline = Math.min(nextDeadline, now + ttlMillis);
    return p.lastIndex();
  }

  /** Renews a held lock; false if it is no longer ours. */
  boolean renewLock(Tx tx, String key, UUID owner, long token) {
    byte[] kb = Layout.utf8(key);
    Optional<Bucket> locks = metaRead(tx, Layout.LOCKS);
    Optional<byte[]> cur = locks.flatMap(b -> b.get(kb));
    if (cur.isEmpty()) {
      return false;
    }
    Layout.LockRecord r = Layout.LockRecord.decode(cur.get());
    if (!r.owner.equals(owner) || r.token != token) {
      return false;
    }
    long now = System.currentTimeMillis();
    locks.get().put(kb, new Layout.LockRecord(owner, token, now + r.ttlMillis, r.ttlMillis).encode());
    renew(tx, owner, List.of(key));
    return true;
  }

  /** Releases a held lock: its record, and its key if that still holds the lock's own write. */
  void unlock(Tx tx, String key, UUID owner, long token) {
    byte[] kb = Layout.utf8(key);
    Optional<Bucket> locks = metaRead(tx, Layout.LOCKS);
    Optional<byte[]> cur = locks.flatMap(b -> b.get(kb));
    if (cur.isEmpty()) {
      return;
    }
    Layout.LockRecord r = Layout.LockRecord.decode(cur.get());
    if (r.owner.equals(owner) && r.token == token) {
      locks.get().delete(kb);
      // the token is the index of the lock's write: a value put over it since is not the lock's
      if (get(tx, key).map(p -> p.lastIndex() == token).orElse(false)) {
        delete(tx, key);
      }
    }
  }

  // ---- watches

  /** Starts a key watch (caller holds the file's op lock through readLocked). */
  void startKeyWatch(Tx tx, String key, long fromIndex, EventChannel<KeyEvent> ch) {
    ensureSnapshot(tx);
    WatchHub.KeyWatcher w = hub.attachKey(key, ch);
    KVPair current = snapshot.get(key);
    if (fromIndex > 0) {
      Optional<List<WatchHub.Change>> h = history(tx, fromIndex, key::equals);
      if (h.isEmpty()) {
        w.restart(EventType.RESYNC, current, published);
      } else {
        w.startResumed(h.get(), fromIndex, published);
      }
    } else {
      w.start(current, published);
    }
  }

  /** Starts a tree watch. */
  void startTreeWatch(Tx tx, String dir, long fromIndex, EventChannel<TreeEvent> ch) {
    ensureSnapshot(tx);
    WatchHub.TreeWatcher w = hub.attachTree(dir, ch);
    List<KVPair> current = below(dir);
    if (fromIndex > 0) {
      Optional<List<WatchHub.Change>> h = history(tx, fromIndex, k -> Keys.isBelow(k, dir));
      if (h.isEmpty()) {
        w.restart(EventType.RESYNC, current, published);
      } else {
        w.startResumed(current, h.get(), fromIndex, published);
      }
    } else {
      w.start(current, published);
    }
  }

  private List<KVPair> below(String dir) {
    List<KVPair> out = new ArrayList<>();
    for (KVPair p : snapshot.tailMap(Keys.prefixOf(dir), true).values()) {
      if (!Keys.isBelow(p.key(), dir)) {
        if (dir.isEmpty() || !p.key().startsWith(Keys.prefixOf(dir))) {
          break;
        }
        continue;
      }
      out.add(p);
    }
    return out;
  }

  /** What changed after {@code from}: current values newer than it and tombstones newer than it. */
  private Optional<List<WatchHub.Change>> history(Tx tx, long from, java.util.function.Predicate<String> filter) {
    long prunedUpTo = tx.bucket(Layout.META, name).flatMap(b -> b.get(TOMB_FLOOR)).map(Layout::u64).orElse(0L);
    if (from < prunedUpTo) {
      return Optional.empty();
    }
    List<WatchHub.Change> out = new ArrayList<>();
    for (KVPair p : snapshot.values()) {
      if (p.lastIndex() > from && filter.test(p.key())) {
        out.add(WatchHub.Change.put(p));
      }
    }
    metaRead(tx, Layout.TOMBSTONES).ifPresent(t -> t.forEach(e -> {
      long idx = Layout.u64(e.value());
      Optional<String> k = Layout.canonical(e.key());
      if (idx > from && k.isPresent() && filter.test(k.get()) && !snapshot.containsKey(k.get())) {
        out.add(WatchHub.Change.delete(k.get(), idx));
      }
    }));
    out.sort((a, b) -> Long.compare(a.index(), b.index()));
    return Optional.of(out);
  }

  private void ensureSnapshot(Tx tx) {
    if (snapshot != null) {
      return;
    }
    snapshot = new TreeMap<>(Keys.UTF8_ORDER);
    for (KVPair p : list(tx, "")) {
      snapshot.put(p.key(), p);
    }
    published = currentIndex(tx);
  }

  /** After a commit of ours: deliver what it changed. */
  void flushPublished() {
    if (pending.isEmpty()) {
      return;
    }
    List<List<WatchHub.Change>> batches = new ArrayList<>(pending);
    pending.clear();
    for (List<WatchHub.Change> batch : batches) {
      for (WatchHub.Change c : batch) {
        floor = Math.max(floor, c.index());
      }
      if (snapshot == null) {
        continue;
      }
      if (hub.isEmpty()) {
        snapshot = null;
        continue;
      }
      apply(batch);
      hub.publishAll(batch);
    }
  }

  void discardPublished() {
    pending.clear();
  }

  private void apply(List<WatchHub.Change> batch) {
    for (WatchHub.Change c : batch) {
      published = Math.max(published, c.index());
    }
    for (WatchHub.Change c : batch) {
      if (c.type() == EventType.DELETE) {
        snapshot.remove(c.key());
      } else {
        snapshot.put(c.key(), c.pair().orElseThrow());
      }
    }
  }

  /**
   * Another process committed (or we opened the file): re-read, and tell watchers what changed —
   * exactly where the indexes allow, else as a re-read state.
   */
  void externalChange(Tx tx, boolean first) {
    if (first) {
      long max = 0;
      for (KVPair p : list(tx, "")) {
        max = Math.max(max, p.lastIndex());
      }
      floor = max;
      sweepDeadline(tx);
      return;
    }
    sweepDeadline(tx);
    if (snapshot == null) {
      return;
    }
    if (hub.isEmpty()) {
      snapshot = null;
      return;
    }
    TreeMap<String, KVPair> now = new TreeMap<>(Keys.UTF8_ORDER);
    for (KVPair p : list(tx, "")) {
      now.put(p.key(), p);
      floor = Math.max(floor, p.lastIndex());
    }
    Map<String, Long> tomb = new HashMap<>();
    metaRead(tx, Layout.TOMBSTONES).ifPresent(t -> t.forEach(e -> Layout.canonical(e.key())
        .ifPresent(k -> tomb.put(k, Layout.u64(e.value())))));
    boolean backwards = false;
    boolean unexplained = false;
    List<WatchHub.Change> changes = new ArrayList<>();
    for (KVPair p : now.values()) {
      KVPair old = snapshot.get(p.key());
      if (old != null && old.lastIndex() == p.lastIndex() && old.valueEquals(p.value())) {
        continue;
      }
      if (p.lastIndex() <= published) {
        backwards = true;
      }
      changes.add(WatchHub.Change.put(p));
    }
    for (String k : snapshot.keySet()) {
      if (!now.containsKey(k)) {
        Long t = tomb.get(k);
        if (t == null || t <= published) {
          unexplained = true;
        } else {
          changes.add(WatchHub.Change.delete(k, t));
        }
      }
    }
    snapshot = now;
    long index = Math.max(published, currentIndex(tx));
    if (backwards || unexplained) {
      published = index;
      EventType type = backwards ? EventType.RESET : EventType.RESYNC;
      for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
        w.restart(type, now.get(w.key()), index);
      }
      for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
        w.restart(type, below(w.directory()), index);
      }
      return;
    }
    changes.sort((a, b) -> Long.compare(a.index(), b.index()));
    LinkedHashMap<Long, List<WatchHub.Change>> byIndex = new LinkedHashMap<>();
    for (WatchHub.Change c : changes) {
      byIndex.computeIfAbsent(c.index(), i -> new ArrayList<>()).add(c);
    }
    for (List<WatchHub.Change> batch : byIndex.values()) {
      hub.publishAll(batch);
    }
    published = index;
  }

  private void sweepDeadline(Tx tx) {
    long[] next = {Long.MAX_VALUE};
    metaRead(tx, Layout.TTL).ifPresent(t -> t.forEach(e -> next[0] = Math.min(next[0],
        Layout.TtlRecord.decode(e.value()).deadlineMillis)));
    metaRead(tx, Layout.LOCKS).ifPresent(t -> t.forEach(e -> next[0] = Math.min(next[0],
        Layout.LockRecord.decode(e.value()).deadlineMillis)));
    nextDeadline = next[0];
  }
}
