package io.libkv.boltdb.internal;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.TreeEvent;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Tx;
import io.libkv.spi.EventChannel;
import io.libkv.spi.WatchHub;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

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
  // the state last published to watchers, kept only while there are watchers: keys and stamps,
  // never values (a watch on a big file costs memory by its keys, not its data)
  private @Nullable TreeMap<String, Stamp> snapshot;
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

  long nextIndex(Tx tx) {
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
    Optional<ByteBuffer> v = view(tx, key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    KVPair p = Layout.decode(key, v.get(), description);
    return expired(tx, key, p.lastIndex()) ? Optional.empty() : Optional.of(p);
  }

  /** The stored value of {@code key} (in any spelling) in place, expired or not. */
  private Optional<ByteBuffer> view(Tx tx, String key) {
    Optional<Bucket> b = tx.bucket(name);
    if (b.isEmpty()) {
      return Optional.empty();
    }
    Optional<ByteBuffer> v = b.get().view(Layout.utf8(key));
    if (v.isEmpty()) {
      for (byte[] s : Layout.spellings(key)) {
        v = b.get().view(s);
        if (v.isPresent()) {
          break;
        }
      }
    }
    return v;
  }

  /** The pair of a key the snapshot holds, read now (the snapshot keeps no values). */
  private Optional<KVPair> stored(Tx tx, String key) {
    return view(tx, key).map(v -> Layout.decode(key, v, description));
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
    List<KVPair> visited = new ArrayList<>();
    if (scan(tx, dir, true, (k, stored) -> visited.add(Layout.decode(k, stored, description)))) {
      return visited;
    }
    TreeMap<String, KVPair> out = new TreeMap<>(Keys.UTF8_ORDER);
    for (KVPair p : visited) {
      out.put(p.key(), p);
    }
    return new ArrayList<>(out.values());
  }

  /**
   * What {@link #scan} hands over: a canonical key and its stored value in place (valid during the
   * visit only).
   */
  private interface Visitor {
    void visit(String key, ByteBuffer stored);
  }

  /**
   * Visits the stored values strictly below {@code dir} ("" = all) in place, in stored order,
   * copying none. Go libkv stores keys verbatim, so {@code /a/b} and {@code a/b/} may be there:
   * such a spelling is left out when the canonical one is stored (and live, with {@code liveOnly}),
   * else visited under the canonical key, possibly more than once (the last visit stands). Returns
   * whether every visit was of a canonical spelling: the visits were then in key order, each key
   * once, and the caller need not sort them. {@code liveOnly} leaves out keys whose TTL has passed
   * but are not swept yet.
   */
  private boolean scan(Tx tx, String dir, boolean liveOnly, Visitor visitor) {
    Optional<Bucket> b = tx.bucket(name);
    if (b.isEmpty()) {
      return true;
    }
    boolean inOrder = true;
    String prefix = Keys.prefixOf(dir);
    for (String p : dir.isEmpty() ? new String[] {""} : new String[] {prefix, "/" + prefix}) {
      byte[] pb = Layout.utf8(p);
      Cursor c = b.get().cursor();
      for (Optional<byte[]> key = c.seekKey(pb); key.isPresent(); key = c.nextKey()) {
        byte[] k = key.get();
        if (!startsWith(k, pb)) {
          break;
        }
        Optional<ByteBuffer> v = c.valueView();
        if (v.isEmpty()) {
          continue; // a nested bucket
        }
        String stored = new String(k, StandardCharsets.UTF_8);
        Optional<String> ck = Layout.canonical(stored);
        if (ck.isEmpty() || !Keys.isBelow(ck.get(), dir)) {
          continue;
        }
        String canonical = ck.get();
        if (!Layout.isSpelledCanonically(k, stored, canonical)) {
          if (liveValue(tx, b.get(), canonical, liveOnly)) {
            continue;
          }
          inOrder = false;
        }
        long index = Layout.indexOf(canonical, v.get(), description);
        if (liveOnly && expired(tx, canonical, index)) {
          continue;
        }
        visitor.visit(canonical, v.get());
      }
    }
    return inOrder;
  }

  /** Whether {@code key} is stored in its canonical spelling (and live, with {@code liveOnly}). */
  private boolean liveValue(Tx tx, Bucket b, String key, boolean liveOnly) {
    Optional<ByteBuffer> v = b.view(Layout.utf8(key));
    return v.isPresent()
        && !(liveOnly && expired(tx, key, Layout.indexOf(key, v.get(), description)));
  }

  private static boolean startsWith(byte[] k, byte[] p) {
    return k.length >= p.length && Arrays.equals(k, 0, p.length, p, 0, p.length);
  }

  // ---- writes (inside a write transaction; events go out after the commit)

  KVPair put(Tx tx, String key, byte[] value, Layout.@Nullable TtlRecord ttl) {
    KVPair p = putAt(tx, nextIndex(tx), key, value, ttl);
    pending.add(List.of(WatchHub.Change.put(p)));
    return p;
  }

  /** Writes {@code key} at {@code index}; the caller publishes the change with its batch. */
  KVPair putAt(Tx tx, long index, String key, byte[] value, Layout.@Nullable TtlRecord ttl) {
    Bucket b = tx.createBucketIfAbsent(name);
    byte[] kb = Layout.utf8(key);
    b.put(kb, Layout.encodeValue(index, value));
    for (byte[] s : Layout.spellings(key)) {
      b.delete(s);
    }
    if (ttl != null) {
      Layout.TtlRecord r =
          new Layout.TtlRecord(ttl.deadlineMillis, index, ttl.ttlMillis, ttl.kind, ttl.owner);
      metaChild(tx, Layout.TTL).put(kb, r.encode());
      nextDeadline = Math.min(nextDeadline, r.deadlineMillis);
    } else {
      metaRead(tx, Layout.TTL).ifPresent(t -> t.delete(kb));
    }
    return KVPair.ofOwned(key, value.clone(), index);
  }

  /** Several plain puts at one index. */
  void putAll(Tx tx, Map<String, byte[]> entries) {
    long index = nextIndex(tx);
    List<WatchHub.Change> changes = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      changes.add(WatchHub.Change.put(putAt(tx, index, e.getKey(), e.getValue(), null)));
    }
    pending.add(changes);
  }

  /** Publishes {@code changes} as one event once the running write commits. */
  void publishOnCommit(List<WatchHub.Change> changes) {
    if (!changes.isEmpty()) {
      pending.add(changes);
    }
  }

  boolean delete(Tx tx, String key) {
    return deleteAll(tx, List.of(key)) > 0;
  }

  /** Deletes keys at one index; returns how many existed. */
  int deleteAll(Tx tx, List<String> keys) {
    List<WatchHub.Change> changes = deleteAt(tx, keys, () -> nextIndex(tx));
    publishOnCommit(changes);
    return changes.size();
  }

  /**
   * Deletes keys at the index {@code index} gives when the first of them exists (asked once at
   * most); returns the changes, which the caller publishes.
   */
  List<WatchHub.Change> deleteAt(Tx tx, List<String> keys, java.util.function.LongSupplier at) {
    Optional<Bucket> b = tx.bucket(name);
    if (b.isEmpty()) {
      return List.of();
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
        index = at.getAsLong();
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
      pruneTombstones(tx);
    }
    return changes;
  }

  /** Every key at or below {@code dir}, as stored in canonical form (no value is read). */
  List<String> keysFrom(Tx tx, String dir) {
    List<String> keys = new ArrayList<>();
    Optional<ByteBuffer> self = view(tx, dir);
    if (self.isPresent() && !expired(tx, dir, Layout.indexOf(dir, self.get(), description))) {
      keys.add(dir);
    }
    List<String> below = new ArrayList<>();
    if (scan(tx, dir, true, (k, stored) -> below.add(k))) {
      keys.addAll(below);
    } else {
      TreeSet<String> sorted = new TreeSet<>(Keys.UTF8_ORDER);
      sorted.addAll(below);
      keys.addAll(sorted);
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
    t.forEach(
        e -> {
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

  /**
   * Renews the deadlines of {@code owner}'s ephemeral keys among {@code keys}; returns the keys
   * still ours.
   */
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
    ttl.get()
        .forEach(
            e -> {
              Layout.TtlRecord rec = Layout.TtlRecord.decode(e.value());
              if (rec.owner.equals(owner) && rec.kind == Layout.EPHEMERAL) {
                Layout.canonical(e.key()).ifPresent(mine::add);
              }
            });
    for (String k : mine) {
      Optional<ByteBuffer> v = view(tx, k);
      long index = v.isPresent() ? Layout.indexOf(k, v.get(), description) : -1;
      boolean live = v.isPresent() && !expired(tx, k, index);
      Optional<byte[]> r = ttl.get().get(Layout.utf8(k));
      if (live && r.isPresent() && Layout.TtlRecord.decode(r.get()).index == index) {
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

  /**
   * Removes every key whose TTL record is due and still applies to its current write; lock records
   * too.
   */
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
      t.forEach(
          e -> {
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
          // only the index prefix is read: the value stays in the file
          Optional<ByteBuffer> v = b.flatMap(bb -> bb.view(Layout.utf8(k.get())));
          // a key rewritten since (by us without TTL, or by a Go writer) is not ours to sweep
          if (v.isPresent()
              && v.get().remaining() >= Layout.INDEX_BYTES
              && v.get().order(ByteOrder.LITTLE_ENDIAN).getLong(v.get().position())
                  == dueIndex.get(i)) {
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
      locks
          .get()
          .forEach(
              e -> {
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
    metaRead(tx, Layout.TTL)
        .flatMap(t -> t.get(Layout.utf8(key)))
        .ifPresent(
            r -> nextDeadline = Math.min(nextDeadline, Layout.TtlRecord.decode(r).deadlineMillis));
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
    KVPair p =
        put(
            tx,
            key,
            value,
            new Layout.TtlRecord(now + ttlMillis, 0, ttlMillis, Layout.EPHEMERAL, owner));
    metaChild(tx, Layout.LOCKS)
        .put(kb, new Layout.LockRecord(owner, p.lastIndex(), now + ttlMillis, ttlMillis).encode());
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
    locks
        .get()
        .put(kb, new Layout.LockRecord(owner, token, now + r.ttlMillis, r.ttlMillis).encode());
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
    KVPair current = pairOf(tx, key).orElse(null);
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
    List<KVPair> current = below(tx, dir);
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

  /** The snapshot's pair of {@code key}, its value read now. */
  private Optional<KVPair> pairOf(Tx tx, String key) {
    return watched().containsKey(key) ? stored(tx, key) : Optional.empty();
  }

  /**
   * The snapshot's pairs below {@code dir}, their values read now (a tree watcher asked for them).
   */
  private List<KVPair> below(Tx tx, String dir) {
    List<KVPair> out = new ArrayList<>();
    for (String k : watched().tailMap(Keys.prefixOf(dir), true).keySet()) {
      if (!Keys.isBelow(k, dir)) {
        if (dir.isEmpty() || !k.startsWith(Keys.prefixOf(dir))) {
          break;
        }
        continue;
      }
      stored(tx, k).ifPresent(out::add);
    }
    return out;
  }

  /** What changed after {@code from}: current values newer than it and tombstones newer than it. */
  private Optional<List<WatchHub.Change>> history(
      Tx tx, long from, java.util.function.Predicate<String> filter) {
    long prunedUpTo =
        tx.bucket(Layout.META, name).flatMap(b -> b.get(TOMB_FLOOR)).map(Layout::u64).orElse(0L);
    if (from < prunedUpTo) {
      return Optional.empty();
    }
    List<WatchHub.Change> out = new ArrayList<>();
    for (Map.Entry<String, Stamp> e : watched().entrySet()) {
      if (e.getValue().index > from && filter.test(e.getKey())) {
        stored(tx, e.getKey()).ifPresent(p -> out.add(WatchHub.Change.put(p)));
      }
    }
    metaRead(tx, Layout.TOMBSTONES)
        .ifPresent(
            t ->
                t.forEach(
                    e -> {
                      long idx = Layout.u64(e.value());
                      Optional<String> k = Layout.canonical(e.key());
                      if (idx > from
                          && k.isPresent()
                          && filter.test(k.get())
                          && !watched().containsKey(k.get())) {
                        out.add(WatchHub.Change.delete(k.get(), idx));
                      }
                    }));
    out.sort((a, b) -> Long.compare(a.index(), b.index()));
    return Optional.of(out);
  }

  /** The snapshot, which a watch has made (by {@link #ensureSnapshot}) before anything reads it. */
  private TreeMap<String, Stamp> watched() {
    return Objects.requireNonNull(snapshot, "snapshot of a watched bucket");
  }

  private void ensureSnapshot(Tx tx) {
    if (snapshot != null) {
      return;
    }
    snapshot = stamps(tx);
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
        watched().remove(c.key());
      } else {
        watched().put(c.key(), Stamp.of(c.pair().orElseThrow()));
      }
    }
  }

  /**
   * Another process committed (or we opened the file): re-read, and tell watchers what changed —
   * exactly where the indexes allow, else as a re-read state.
   */
  void externalChange(Tx tx, boolean first) {
    if (first) {
      // the index prefixes only: opening needs memory by the keys, not by the data
      long[] max = {0};
      scan(
          tx,
          "",
          false,
          (k, stored) -> max[0] = Math.max(max[0], Layout.indexOf(k, stored, description)));
      floor = max[0];
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
    TreeMap<String, Stamp> now = stamps(tx);
    for (Stamp st : now.values()) {
      floor = Math.max(floor, st.index);
    }
    Map<String, Long> tomb = new HashMap<>();
    metaRead(tx, Layout.TOMBSTONES)
        .ifPresent(
            t ->
                t.forEach(
                    e ->
                        Layout.canonical(e.key())
                            .ifPresent(k -> tomb.put(k, Layout.u64(e.value())))));
    boolean backwards = false;
    boolean unexplained = false;
    // keys and indexes only: the values of a batch are read when it is published
    TreeMap<Long, List<String>> puts = new TreeMap<>();
    TreeMap<Long, List<String>> deletes = new TreeMap<>();
    for (Map.Entry<String, Stamp> e : now.entrySet()) {
      Stamp old = snapshot.get(e.getKey());
      if (old != null && old.sameAs(e.getValue())) {
        continue;
      }
      if (e.getValue().index <= published) {
        backwards = true;
      }
      puts.computeIfAbsent(e.getValue().index, i -> new ArrayList<>()).add(e.getKey());
    }
    for (String k : snapshot.keySet()) {
      if (!now.containsKey(k)) {
        Long t = tomb.get(k);
        if (t == null || t <= published) {
          unexplained = true;
        } else {
          deletes.computeIfAbsent(t, i -> new ArrayList<>()).add(k);
        }
      }
    }
    snapshot = now;
    long index = Math.max(published, currentIndex(tx));
    if (backwards || unexplained) {
      published = index;
      EventType type = backwards ? EventType.RESET : EventType.RESYNC;
      for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
        w.restart(type, pairOf(tx, w.key()).orElse(null), index);
      }
      for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
        w.restart(type, below(tx, w.directory()), index);
      }
      return;
    }
    TreeSet<Long> indexes = new TreeSet<>(puts.keySet());
    indexes.addAll(deletes.keySet());
    for (long i : indexes) {
      List<WatchHub.Change> batch = new ArrayList<>();
      for (String k : puts.getOrDefault(i, List.of())) {
        stored(tx, k).ifPresent(p -> batch.add(WatchHub.Change.put(p)));
      }
      for (String k : deletes.getOrDefault(i, List.of())) {
        batch.add(WatchHub.Change.delete(k, i));
      }
      hub.publishAll(batch);
    }
    published = index;
  }

  /** Every live key's stamp, read in place. */
  private TreeMap<String, Stamp> stamps(Tx tx) {
    TreeMap<String, Stamp> out = new TreeMap<>(Keys.UTF8_ORDER);
    scan(tx, "", true, (k, stored) -> out.put(k, Stamp.of(k, stored, description)));
    return out;
  }

  /**
   * Fails every watch on this bucket with {@code error} and forgets the snapshot (rebuilt by the
   * next watch).
   */
  void failWatches(KVException error) {
    snapshot = null;
    hub.failAll(error);
  }

  /**
   * What change detection keeps of a value: its index, length and SHA-256 digest. A Go writer can
   * store a new value under an index already seen (its counter restarts), so the index alone cannot
   * tell a change.
   */
  private static final class Stamp {
    final long index;
    final int length;
    final byte[] digest;

    private Stamp(long index, int length, byte[] digest) {
      this.index = index;
      this.length = length;
      this.digest = digest;
    }

    static Stamp of(String key, ByteBuffer stored, String store) {
      long index = Layout.indexOf(key, stored, store);
      ByteBuffer value = stored.duplicate().position(stored.position() + Layout.INDEX_BYTES);
      int length = value.remaining();
      MessageDigest d = sha256();
      d.update(value);
      return new Stamp(index, length, d.digest());
    }

    static Stamp of(KVPair p) {
      MessageDigest d = sha256();
      d.update(p.value());
      return new Stamp(p.lastIndex(), p.valueLength(), d.digest());
    }

    boolean sameAs(Stamp o) {
      return index == o.index && length == o.length && MessageDigest.isEqual(digest, o.digest);
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }
  }

  private void sweepDeadline(Tx tx) {
    long[] next = {Long.MAX_VALUE};
    metaRead(tx, Layout.TTL)
        .ifPresent(
            t ->
                t.forEach(
                    e ->
                        next[0] =
                            Math.min(next[0], Layout.TtlRecord.decode(e.value()).deadlineMillis)));
    metaRead(tx, Layout.LOCKS)
        .ifPresent(
            t ->
                t.forEach(
                    e ->
                        next[0] =
                            Math.min(next[0], Layout.LockRecord.decode(e.value()).deadlineMillis)));
    nextDeadline = next[0];
  }
}
