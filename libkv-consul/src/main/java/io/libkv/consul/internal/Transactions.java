package io.libkv.consul.internal;

import io.libkv.Capabilities;
import io.libkv.KVException;
import io.libkv.Keys;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TransactionTooLargeException;
import io.libkv.UnknownOutcomeException;
import io.libkv.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code Store.commit} on Consul: one {@code PUT /v1/txn} per commit, one Consul operation per
 * condition and per operation (Absent: check-not-exists, Present: get, IndexEquals: check-index,
 * plain put: set or unlock, TTL put: lock, delete: delete). Consul rolls the whole transaction back
 * on any failed operation and answers with the failed operations' indexes only, so a failure never
 * carries the current pairs.
 */
final class Transactions {
  /**
   * The most JSON one operation takes besides its key and value: {@code {"KV":{"Verb":
   * "check-not-exists","Key":"","Value":"","Flags":<19 digits>,"Index":<19 digits>,"Session":<36
   * chars>}},}.
   */
  static final int OP_OVERHEAD = 160;

  /** Tries of one commit when an operation (not a condition) failed for a reason it can fix. */
  private static final int ATTEMPTS = 4;

  /** What a commit needs of its store. */
  interface Host {
    Wire.TxnResult txn(Wire.Txn t, @Nullable String key);

    String full(String key);

    /** The X-Consul-Index of a one-level key listing below a full prefix. */
    long listIndex(String fullPrefix, String key);

    /** The store's kept-alive session for ephemeral keys of this TTL. */
    String ephemeralSession(Duration ttl);

    /** Consul no longer knows this ephemeral session: the store makes another. */
    void ephemeralSessionGone(String id);

    /** A new session for one expiring key, never renewed. */
    String expiringSession(Duration ttl, String key);

    void destroyQuietly(String id);

    /** Keys this store bound to a session, with the session. */
    Map<String, String> boundKeys();

    /** Frees a key a plain set wrote but another session holds; the index of the final write. */
    long releaseFromSession(String key, byte[] value, Wire.Entry written);

    Wire.@Nullable Entry entry(String key);

    KVException unexpected(Wire.TxnResult r, @Nullable String key);

    String description();
  }

  private final Host host;
  private final long txnLimit;

  Transactions(Host host, long txnLimit) {
    this.host = host;
    this.txnLimit = txnLimit;
  }

  /**
   * The limits in the user's terms: {@link ConsulStore#MAX_TXN_OPS} operations, one per step (a
   * transaction needs one write, so one condition less); bytes such that a body at the limit fits
   * the agent's request limit with every key's characters escaped ({@code "} and {@code \}: two
   * bytes) and every value base64-encoded (four bytes for three, at most twice its length plus 2).
   */
  static Capabilities.TransactionLimits limits(String root, long txnLimit) {
    int ops = ConsulStore.MAX_TXN_OPS;
    long fixed = 2 + (long) ops * (OP_OVERHEAD + 2L * Keys.utf8Length(root) + 2);
    return new Capabilities.TransactionLimits(
        ops - 1, ops, ops, (txnLimit - fixed) / 2, true, true);
  }

  /** A transaction built for one attempt. */
  private static final class Plan {
    final Wire.Txn body = new Wire.Txn();

    /** Which user operation each Consul operation after the conditions serves. */
    final Map<Integer, Transaction.Operation> operationAt = new HashMap<>();

    /** The session each TTL put binds its key to. */
    final Map<String, String> sessions = new HashMap<>();

    /** The session each lock or unlock names, by its index. */
    final Map<Integer, String> sessionAt = new HashMap<>();

    /** Expiring sessions made for this attempt: destroyed unless it may have applied. */
    final List<String> created = new ArrayList<>();
  }

  TransactionResult commit(Transaction t) {
    // keys whose holder the last attempt found: a foreign session to unlock, or none
    Map<String, String> holders = new HashMap<>();
    Set<String> notBound = new HashSet<>();
    String first = t.operations().get(0).key();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Plan plan = new Plan();
      boolean keepSessions = false;
      try {
        plan(t, plan, holders, notBound);
        Wire.TxnResult r;
        try {
          r = host.txn(plan.body, first);
        } catch (UnknownOutcomeException e) {
          keepSessions = true; // it may have applied: its keys need their sessions
          throw e;
        }
        if (r.ok()) {
          keepSessions = true;
          return committed(t, r, plan);
        }
        int conditions = t.conditions().size();
        int failed = Integer.MAX_VALUE;
        for (Wire.TxnError e : r.errors) {
          failed = Math.min(failed, e.opIndex);
        }
        if (failed < conditions) {
          return TransactionResult.failed(t.conditions().get(failed), null);
        }
        fix(r, plan, holders, notBound);
      } finally {
        if (!keepSessions) {
          plan.created.forEach(host::destroyQuietly);
        }
      }
    }
    throw new KVException(
        "could not bind the transaction's keys to their sessions: too much contention",
        first,
        host.description(),
        null);
  }

  private void plan(Transaction t, Plan plan, Map<String, String> holders, Set<String> notBound) {
    Wire.Txn b = plan.body;
    for (Transaction.Condition c : t.conditions()) {
      String full = host.full(c.key());
      if (c instanceof Transaction.Absent) {
        b.op("check-not-exists", full, null, 0, 0, null);
      } else if (c instanceof Transaction.Present) {
        b.op("get", full, null, 0, 0, null); // fails the transaction iff the key is missing
      } else {
        b.op("check-index", full, null, 0, ((Transaction.IndexEquals) c).index(), null);
      }
    }
    for (Transaction.Operation o : t.operations()) {
      String key = o.key();
      String full = host.full(key);
      if (o instanceof Transaction.Delete) {
        plan.operationAt.put(b.size(), o);
        b.op("delete", full, null, 0, 0, null);
        continue;
      }
      Transaction.Put p = (Transaction.Put) o;
      WriteOptions w = p.options();
      String holder = holders.get(key);
      if (w.ttl().isPresent()) {
        Duration ttl = w.ttl().orElseThrow();
        String session;
        if (w.isEphemeral()) {
          session = host.ephemeralSession(ttl);
        } else {
          session = host.expiringSession(ttl, key);
          plan.created.add(session);
        }
        plan.sessions.put(key, session);
        if (holder != null && !holder.equals(session)) {
          // lock refuses a key another session holds: free it first, in the same transaction
          plan.operationAt.put(b.size(), o);
          plan.sessionAt.put(b.size(), holder);
          b.op("unlock", full, new byte[0], 0, 0, holder);
        }
        plan.operationAt.put(b.size(), o);
        plan.sessionAt.put(b.size(), session);
        b.op("lock", full, p.valueUnsafe(), Wire.nonce(), 0, session);
      } else {
        String bound = notBound.contains(key) ? holder : host.boundKeys().get(key);
        plan.operationAt.put(b.size(), o);
        // unlock writes the value and frees the key in one step; set would keep the session
        if (bound != null) {
          plan.sessionAt.put(b.size(), bound);
          b.op("unlock", full, p.valueUnsafe(), Wire.nonce(), 0, bound);
        } else {
          b.op("set", full, p.valueUnsafe(), Wire.nonce(), 0, null);
        }
      }
    }
    if (b.size() > ConsulStore.MAX_TXN_OPS) {
      throw new KVException(
          "the transaction needs "
              + b.size()
              + " Consul operations to take keys over from other sessions, over Consul's "
              + ConsulStore.MAX_TXN_OPS,
          t.operations().get(0).key(),
          host.description(),
          null);
    }
    long length = b.bytes().length;
    if (length > txnLimit) {
      // only keys full of escaped characters or taken over from other sessions get here
      throw new TransactionTooLargeException("bytes", length, txnLimit, host.description());
    }
  }

  /** An operation failed (no condition did): learn why, so the next attempt does better. */
  private void fix(Wire.TxnResult r, Plan plan, Map<String, String> holders, Set<String> notBound) {
    for (Wire.TxnError e : r.errors) {
      Transaction.Operation o = plan.operationAt.get(e.opIndex);
      if (o == null) {
        throw host.unexpected(r, null);
      }
      String key = o.key();
      String session = plan.sessionAt.get(e.opIndex);
      if (e.what.contains("invalid session")
          && session != null
          && session.equals(plan.sessions.get(key))) {
        host.ephemeralSessionGone(session); // ours: the next attempt makes another
      } else if (e.what.contains("invalid session")
          || e.what.contains("already held")
          || e.what.contains("isn't held")) {
        // the key's holder is not the one this attempt named: read who holds it now
        Wire.Entry now = host.entry(key);
        notBound.add(key);
        if (now != null && now.hasSession()) {
          holders.put(key, now.session);
        } else {
          holders.remove(key);
        }
      } else {
        throw host.unexpected(r, key);
      }
    }
  }

  private TransactionResult committed(Transaction t, Wire.TxnResult r, Plan plan) {
    Map<String, Long> indexes = new LinkedHashMap<>();
    long commit = 0;
    Map<String, String> bound = host.boundKeys();
    for (Transaction.Operation o : t.operations()) {
      String key = o.key();
      if (!(o instanceof Transaction.Put p)) {
        bound.remove(key);
        continue;
      }
      Wire.Entry e = lastResultFor(r, host.full(key));
      long index = e.modifyIndex;
      commit = Math.max(commit, index);
      String session = plan.sessions.get(key);
      if (session != null) {
        bound.put(key, session);
      } else {
        bound.remove(key);
        if (e.hasSession()) {
          // a set keeps the session of a key another store bound: freed in a second step
          index = host.releaseFromSession(key, p.valueUnsafe(), e);
          commit = Math.max(commit, index);
        }
      }
      indexes.put(key, index);
    }
    if (commit == 0) {
      commit = deletesIndex(t);
    }
    return TransactionResult.committed(indexes, commit);
  }

  /** The entry of the last result for a key: a put's comes after its key's conditions'. */
  private Wire.Entry lastResultFor(Wire.TxnResult r, String full) {
    for (int i = r.results.size() - 1; i >= 0; i--) {
      if (r.results.get(i).key.equals(full)) {
        return r.results.get(i);
      }
    }
    throw new KVException(
        "Consul committed the transaction without a result for " + full,
        null,
        host.description(),
        null);
  }

  /**
   * The index of a transaction that only deleted: Consul returns no entry for a delete, so the
   * index comes from a listing of the deleted keys' common prefix, whose index is the highest of
   * its entries and tombstones (the deletes' own, unless something below changed since, which the
   * store's watch then sees too). 0 if that read fails: the transaction did apply.
   */
  private long deletesIndex(Transaction t) {
    String prefix = null;
    for (Transaction.Operation o : t.operations()) {
      String full = host.full(o.key());
      prefix = prefix == null ? full : commonPrefix(prefix, full);
    }
    String p = prefix == null ? "" : prefix;
    try {
      return host.listIndex(p, t.operations().get(0).key());
    } catch (KVException e) {
      return 0;
    }
  }

  private static String commonPrefix(String a, String b) {
    int n = 0;
    int max = Math.min(a.length(), b.length());
    while (n < max && a.charAt(n) == b.charAt(n)) {
      n++;
    }
    if (n > 0 && Character.isHighSurrogate(a.charAt(n - 1))) {
      n--;
    }
    return a.substring(0, n);
  }
}
