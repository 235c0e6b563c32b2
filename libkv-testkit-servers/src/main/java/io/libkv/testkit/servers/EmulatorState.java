package io.libkv.testkit.servers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The state of one emulated agent's life: KV entries, tombstones, sessions, lock delays and the
 * Raft index, with Consul's state-store semantics (agent/consul/state/kvs.go, txn.go, session.go as
 * documented). A restart replaces it with a fresh one. Every method runs under the object's
 * monitor; blocking queries wait on it.
 */
final class EmulatorState {
  /** Consul multiplies a session's TTL by this before invalidating it ("up to twice the TTL"). */
  static final int SESSION_TTL_MULTIPLIER = 2;

  /** Consul's SessionTTLMax. */
  static final Duration SESSION_TTL_MAX = Duration.ofHours(24);

  /** Keys sort by UTF-8 bytes in Consul's radix tree, which is code point order. */
  static final Comparator<String> BYTE_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  /** One KV entry; immutable, replaced on every write. */
  static final class Entry {
    final String key;
    final byte @Nullable [] value;
    final long flags;
    final long createIndex;
    final long modifyIndex;
    final long lockIndex;
    final String session;

    Entry(
        String key,
        byte @Nullable [] value,
        long flags,
        long createIndex,
        long modifyIndex,
        long lockIndex,
        String session) {
      this.key = key;
      this.value = value;
      this.flags = flags;
      this.createIndex = createIndex;
      this.modifyIndex = modifyIndex;
      this.lockIndex = lockIndex;
      this.session = session;
    }

    /** DirEntry.Equal: what a set compares before deciding it changes nothing. */
    boolean sameAs(Entry o) {
      return lockIndex == o.lockIndex
          && key.equals(o.key)
          && flags == o.flags
          && Arrays.equals(value, o.value)
          && session.equals(o.session);
    }

    Entry withValueBlanked() {
      return new Entry(key, null, flags, createIndex, modifyIndex, lockIndex, session);
    }
  }

  /** One session. */
  static final class Session {
    final String id;
    final String name;
    final String node;
    final Duration lockDelay;
    final String behavior;
    final String ttl;
    final @Nullable Duration ttlDuration;
    final long createIndex;
    @Nullable ScheduledFuture<?> timer;

    Session(
        String id,
        String name,
        String node,
        Duration lockDelay,
        String behavior,
        String ttl,
        @Nullable Duration ttlDuration,
        long createIndex) {
      this.id = id;
      this.name = name;
      this.node = node;
      this.lockDelay = lockDelay;
      this.behavior = behavior;
      this.ttl = ttl;
      this.ttlDuration = ttlDuration;
      this.createIndex = createIndex;
    }
  }

  /** A failed transaction operation: its index and Consul's message. */
  static final class OpError extends Exception {
    private static final long serialVersionUID = 1L;

    OpError(String what) {
      super(what, null, false, false);
    }
  }

  /** One KV operation of a transaction (or of a /v1/kv write), as decoded. */
  static final class KvOp {
    final String verb;
    final String key;
    final byte @Nullable [] value;
    final long flags;
    final long index;
    final String session;

    KvOp(String verb, String key, byte @Nullable [] value, long flags, long index, String session) {
      this.verb = verb;
      this.key = key;
      this.value = value;
      this.flags = flags;
      this.index = index;
      this.session = session;
    }

    boolean isWrite() {
      switch (verb) {
        case "set":
        case "delete":
        case "delete-cas":
        case "delete-tree":
        case "cas":
        case "lock":
        case "unlock":
          return true;
        default:
          return false;
      }
    }
  }

  private final String node;
  private final ScheduledExecutorService timers;
  final TreeMap<String, Entry> kv = new TreeMap<>(BYTE_ORDER);
  final TreeMap<String, Long> graveyard = new TreeMap<>(BYTE_ORDER);
  final Map<String, Session> sessions = new LinkedHashMap<>();
  private final Map<String, Long> lockDelays = new HashMap<>();

  /** The Raft index: every applied write takes the next one. */
  long raftIndex;

  /** The highest index of the kvs and tombstones tables (kvsMaxIndex). */
  long kvsIndex;

  /** The highest index of the sessions table. */
  long sessionsIndex;

  /** Set when this life of the agent ended (restart or stop): blocked queries give up. */
  boolean dead;

  EmulatorState(String node, ScheduledExecutorService timers, long firstIndex) {
    this.node = node;
    this.timers = timers;
    this.raftIndex = firstIndex;
  }

  private long nextIndex() {
    return ++raftIndex;
  }

  // ---- reads

  @Nullable Entry get(String key) {
    return kv.get(key);
  }

  /**
   * KVS.Get's index: the table index (at least 1) when absent, the entry's ModifyIndex when
   * present.
   */
  long getIndex(String key) {
    Entry e = kv.get(key);
    if (e != null) {
      return e.modifyIndex;
    }
    return Math.max(1, kvsIndex);
  }

  /** Entries whose key starts with {@code prefix} (a raw prefix, as Consul matches it). */
  List<Entry> list(String prefix) {
    return new ArrayList<>(subMap(kv, prefix).values());
  }

  /**
   * kvsListTxn's index: max ModifyIndex of the entries and tombstones below prefix, else the table
   * index.
   */
  long listIndex(String prefix) {
    long lindex = 0;
    if (prefix.isEmpty()) {
      lindex = kvsIndex;
    } else {
      for (Entry e : subMap(kv, prefix).values()) {
        lindex = Math.max(lindex, e.modifyIndex);
      }
      for (long g : subMap(graveyard, prefix).values()) {
        lindex = Math.max(lindex, g);
      }
    }
    long idx = lindex != 0 ? lindex : kvsIndex;
    return Math.max(1, idx);
  }

  static <V> NavigableMap<String, V> subMap(TreeMap<String, V> map, String prefix) {
    if (prefix.isEmpty()) {
      return map;
    }
    return map.subMap(prefix, true, prefix + Character.toString(Character.MAX_CODE_POINT), false);
  }

  /** Whether a lock-delay still blocks acquisitions of {@code key}. */
  boolean inLockDelay(String key, long nowNanos) {
    Long until = lockDelays.get(key);
    if (until == null) {
      return false;
    }
    if (until - nowNanos <= 0) {
      lockDelays.remove(key);
      return false;
    }
    return true;
  }

  // ---- transactions: every KV write goes through here, as in Consul's txnDispatch

  /** The undo log of one transaction, for roll-back. */
  private final class Undo {
    final Deque<Runnable> steps = new ArrayDeque<>();

    void putEntry(String key, @Nullable Entry previous) {
      steps.push(
          () -> {
            if (previous == null) {
              kv.remove(key);
            } else {
              kv.put(key, previous);
            }
          });
    }

    void putTombstone(String key, @Nullable Long previous) {
      steps.push(
          () -> {
            if (previous == null) {
              graveyard.remove(key);
            } else {
              graveyard.put(key, previous);
            }
          });
    }

    void rollback() {
      while (!steps.isEmpty()) {
        steps.pop().run();
      }
    }
  }

  /** The outcome of a transaction: results on success, errors (op index, message) otherwise. */
  static final class TxnOutcome {
    final @Nullable List<Entry> results;
    final List<Map.Entry<Integer, String>> errors;

    TxnOutcome(@Nullable List<Entry> results, List<Map.Entry<Integer, String>> errors) {
      this.results = results;
      this.errors = errors;
    }
  }

  /**
   * Applies KV operations atomically. Lock-delay is checked before anything is applied (as the
   * leader's pre-apply check); every operation runs and every failure is reported; any failure
   * rolls the whole transaction back.
   */
  TxnOutcome apply(List<KvOp> ops, long nowNanos) {
    List<Map.Entry<Integer, String>> errors = new ArrayList<>();
    boolean writes = false;
    for (int i = 0; i < ops.size(); i++) {
      KvOp op = ops.get(i);
      writes |= op.isWrite();
      if (op.key.isEmpty() && !op.verb.equals("delete-tree")) {
        errors.add(Map.entry(i, "Must provide key"));
      } else if (op.verb.equals("lock") && inLockDelay(op.key, nowNanos)) {
        errors.add(Map.entry(i, "failed to lock key " + goQuote(op.key) + " due to lock delay"));
      }
    }
    if (!errors.isEmpty()) {
      return new TxnOutcome(null, errors);
    }
    long idx = writes ? nextIndex() : 0;
    Undo undo = new Undo();
    List<Entry> results = new ArrayList<>();
    boolean changed = false;
    for (int i = 0; i < ops.size(); i++) {
      try {
        changed |= applyOne(ops.get(i), idx, undo, results);
      } catch (OpError e) {
        errors.add(Map.entry(i, e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      undo.rollback();
      return new TxnOutcome(null, errors);
    }
    if (changed) {
      kvsIndex = idx;
      notifyAll();
    }
    return new TxnOutcome(results, List.of());
  }

  private boolean applyOne(KvOp op, long idx, Undo undo, List<Entry> results) throws OpError {
    Entry existing = kv.get(op.key);
    switch (op.verb) {
      case "set":
        {
          Entry e =
              new Entry(
                  op.key,
                  op.value,
                  op.flags,
                  existing != null ? existing.createIndex : idx,
                  idx,
                  0,
                  existing != null ? existing.session : "");
          return set(e, existing, undo, results);
        }
      case "cas":
        {
          if (op.index == 0 && existing != null
              || op.index != 0 && existing == null
              || existing != null && op.index != 0 && op.index != existing.modifyIndex) {
            throw new OpError("failed to set key " + goQuote(op.key) + ", index is stale");
          }
          Entry e =
              new Entry(
                  op.key,
                  op.value,
                  op.flags,
                  existing != null ? existing.createIndex : idx,
                  idx,
                  0,
                  existing != null ? existing.session : "");
          return set(e, existing, undo, results);
        }
      case "lock":
        {
          requireSession(op);
          if (!sessions.containsKey(op.session)) {
            throw new OpError("invalid session " + goQuote(op.session));
          }
          long create;
          long lockIndex;
          if (existing != null) {
            if (existing.session.equals(op.session)) {
              create = existing.createIndex;
              lockIndex = existing.lockIndex;
            } else if (!existing.session.isEmpty()) {
              throw new OpError("failed to lock key " + goQuote(op.key) + ", lock is already held");
            } else {
              create = existing.createIndex;
              lockIndex = existing.lockIndex + 1;
            }
          } else {
            create = idx;
            lockIndex = 1;
          }
          return set(
              new Entry(op.key, op.value, op.flags, create, idx, lockIndex, op.session),
              existing,
              undo,
              results);
        }
      case "unlock":
        {
          requireSession(op);
          if (existing == null || !existing.session.equals(op.session)) {
            throw new OpError(
                "failed to unlock key "
                    + goQuote(op.key)
                    + ", lock isn't held, or is held by another session");
          }
          return set(
              new Entry(
                  op.key, op.value, op.flags, existing.createIndex, idx, existing.lockIndex, ""),
              existing,
              undo,
              results);
        }
      case "get":
        if (existing == null) {
          throw new OpError("key " + goQuote(op.key) + " doesn't exist");
        }
        results.add(existing);
        return false;
      case "get-or-empty":
        results.add(existing != null ? existing : new Entry(op.key, null, op.flags, 0, 0, 0, ""));
        return false;
      case "get-tree":
        results.addAll(list(op.key));
        return false;
      case "check-session":
        if (existing == null) {
          throw new OpError("failed to check session, key " + goQuote(op.key) + " doesn't exist");
        }
        if (!existing.session.equals(op.session)) {
          throw new OpError(
              "failed session check for key "
                  + goQuote(op.key)
                  + ", current session "
                  + goQuote(existing.session)
                  + " != "
                  + goQuote(op.session));
        }
        results.add(existing.withValueBlanked());
        return false;
      case "check-index":
        if (existing == null) {
          throw new OpError("failed to check index, key " + goQuote(op.key) + " doesn't exist");
        }
        if (existing.modifyIndex != op.index) {
          throw new OpError(
              "failed index check for key "
                  + goQuote(op.key)
                  + ", current modify index "
                  + existing.modifyIndex
                  + " != "
                  + op.index);
        }
        results.add(existing.withValueBlanked());
        return false;
      case "check-not-exists":
        if (existing != null) {
          throw new OpError("key " + goQuote(op.key) + " exists");
        }
        return false;
      case "delete":
        return delete(op.key, existing, idx, undo);
      case "delete-cas":
        if (existing == null) {
          return false; // Consul: a CAS delete of a missing key succeeds and does nothing
        }
        if (existing.modifyIndex != op.index) {
          throw new OpError("failed to delete key " + goQuote(op.key) + ", index is stale");
        }
        return delete(op.key, existing, idx, undo);
      case "delete-tree":
        {
          boolean any = false;
          for (Entry e : list(op.key)) {
            any |= delete(e.key, e, idx, undo);
          }
          return any;
        }
      default:
        throw new OpError("unknown KV verb " + goQuote(op.verb));
    }
  }

  private static void requireSession(KvOp op) throws OpError {
    if (op.session == null || op.session.isEmpty()) {
      throw new OpError("missing session");
    }
  }

  /** kvsSetTxn: a write that changes nothing keeps the old ModifyIndex and is not stored. */
  private boolean set(Entry e, @Nullable Entry existing, Undo undo, List<Entry> results) {
    if (existing != null && existing.sameAs(e)) {
      results.add(existing.withValueBlanked());
      return false;
    }
    undo.putEntry(e.key, existing);
    kv.put(e.key, e);
    results.add(e.withValueBlanked());
    return true;
  }

  private boolean delete(String key, @Nullable Entry existing, long idx, Undo undo) {
    if (existing == null) {
      return false;
    }
    undo.putTombstone(key, graveyard.get(key));
    graveyard.put(key, idx);
    undo.putEntry(key, existing);
    kv.remove(key);
    return true;
  }

  /**
   * Drops every tombstone, as the leader's tombstone GC eventually does (indexes may go backwards).
   */
  void reapTombstones() {
    graveyard.clear();
    notifyAll();
  }

  // ---- sessions

  /** Creates a session (arguments validated by the caller). */
  Session createSession(
      String name,
      String sessionNode,
      Duration lockDelay,
      String behavior,
      String ttl,
      @Nullable Duration ttlDuration) {
    String id = UUID.randomUUID().toString();
    long idx = nextIndex();
    Session s = new Session(id, name, sessionNode, lockDelay, behavior, ttl, ttlDuration, idx);
    sessions.put(id, s);
    sessionsIndex = idx;
    if (ttlDuration != null && !ttlDuration.isZero()) {
      schedule(s);
    }
    notifyAll();
    return s;
  }

  private void schedule(Session s) {
    if (s.timer != null) {
      s.timer.cancel(false);
    }
    // only sessions with a TTL are scheduled
    long nanos = Objects.requireNonNull(s.ttlDuration).toNanos() * SESSION_TTL_MULTIPLIER;
    s.timer =
        timers.schedule(
            () -> {
              synchronized (this) {
                if (!dead && sessions.get(s.id) == s) {
                  invalidate(s);
                }
              }
            },
            nanos,
            TimeUnit.NANOSECONDS);
  }

  /** Renews: resets the invalidation timer; null if there is no such session. */
  @Nullable Session renew(String id) {
    Session s = sessions.get(id);
    if (s != null && s.ttlDuration != null && !s.ttlDuration.isZero()) {
      schedule(s);
    }
    return s;
  }

  /** Destroys a session; false if there was none (still a success for the API). */
  boolean destroy(String id) {
    Session s = sessions.get(id);
    if (s == null) {
      return false;
    }
    invalidate(s);
    return true;
  }

  /**
   * Invalidates a session (destroyed, or its TTL ran out): its locks are released or its keys
   * deleted per its behaviour, and each such key gets the session's lock-delay.
   */
  void invalidate(Session s) {
    if (s.timer != null) {
      s.timer.cancel(false);
    }
    long idx = nextIndex();
    long now = System.nanoTime();
    boolean kvChanged = false;
    for (Entry e : new ArrayList<>(kv.values())) {
      if (!e.session.equals(s.id)) {
        continue;
      }
      if (!s.lockDelay.isZero()) {
        lockDelays.put(e.key, now + s.lockDelay.toNanos());
      }
      if ("delete".equals(s.behavior)) {
        graveyard.put(e.key, idx);
        kv.remove(e.key);
      } else {
        kv.put(e.key, new Entry(e.key, e.value, e.flags, e.createIndex, idx, e.lockIndex, ""));
      }
      kvChanged = true;
    }
    sessions.remove(s.id);
    sessionsIndex = idx;
    if (kvChanged) {
      kvsIndex = idx;
    }
    notifyAll();
  }

  /** Ends this life: timers stop, blocked queries return. */
  void kill() {
    dead = true;
    for (Session s : sessions.values()) {
      if (s.timer != null) {
        s.timer.cancel(false);
      }
    }
    notifyAll();
  }

  String node() {
    return node;
  }

  /** Go's %q for the ASCII keys tests use, with escapes for the rest. */
  static String goQuote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (cp < 0x20 || cp == 0x7f) {
            b.append(String.format("\\x%02x", cp));
          } else {
            b.appendCodePoint(cp);
          }
      }
    }
    return b.append('"').toString();
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
