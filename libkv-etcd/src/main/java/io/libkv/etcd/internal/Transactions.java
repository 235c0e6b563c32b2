package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Status;
import io.libkv.Capabilities;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.UnknownOutcomeException;
import io.libkv.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code Store.commit} on etcd: one Txn whose compares are the conditions (absent: create revision
 * 0; present: create revision above 0; index: mod revision equal), whose success branch is the
 * operations and whose failure branch reads every compared key, so a failure brings the current
 * pairs at the revision it was evaluated at. Every key put gets the Txn's revision as its index.
 */
final class Transactions {
  /**
   * Room for what etcd wraps a Txn in before it checks {@code --max-request-bytes} (the raft
   * request's header: ID, auth revision and the user name, taken to be under 900 bytes).
   */
  static final int TXN_ENVELOPE = 1024;

  /**
   * The most protobuf framing one compare or operation adds to its key and value (tags, lengths, a
   * lease ID or revision): 26 bytes by the wire format, rounded up.
   */
  static final int STEP_FRAMING = 32;

  private final EtcdStore store;

  Transactions(EtcdStore store) {
    this.store = store;
  }

  /**
   * What a default etcd accepts: {@code --max-txn-ops} (128) bounds the compares, the success
   * operations and the failure reads each (the reads are one per compared key, so at most one per
   * condition); {@code --max-request-bytes} bounds the request, of which the user's keys and values
   * are what remains after the framing of 256 steps, each key's prefix and the envelope.
   */
  static Capabilities.TransactionLimits limits(String prefix) {
    int ops = EtcdStore.MAX_TXN_OPS;
    int steps = 2 * ops;
    long prefixBytes = Keys.utf8Length(prefix) + 1L;
    long bytes = EtcdStore.ETCD_REQUEST_LIMIT - TXN_ENVELOPE - steps * (STEP_FRAMING + prefixBytes);
    return new Capabilities.TransactionLimits(ops, ops, steps, bytes, true, true);
  }

  /** Commits {@code t}: keys canonical and limits checked by the caller. */
  TransactionResult commit(Transaction t) {
    String first = t.operations().get(0).key();
    for (int attempt = 0; ; attempt++) {
      Leasing leasing = new Leasing(first);
      boolean sent = false;
      try {
        TxnRequest withReads = request(t, leasing, true);
        // the failure reads repeat the compared keys: a request near the limit goes without them
        boolean reads =
            withReads.getSerializedSize() + (long) TXN_ENVELOPE <= EtcdStore.ETCD_REQUEST_LIMIT;
        TxnResponse r;
        try {
          sent = true;
          r = send(reads ? withReads : request(t, leasing, false), first);
        } catch (KVException e) {
          if (!reads || !tooLargeAnswer(e)) {
            throw e;
          }
          // only a failure's reads can exceed the client's inbound limit: nothing was applied
          reads = false;
          r = send(request(t, leasing, false), first);
        }
        if (r.getSucceeded()) {
          leasing.keep();
          long revision = r.getHeader().getRevision();
          Map<String, Long> indexes = new LinkedHashMap<>();
          for (Transaction.Operation o : t.operations()) {
            if (o instanceof Transaction.Put) {
              indexes.put(o.key(), revision);
            }
          }
          return TransactionResult.committed(indexes, revision);
        }
        leasing.release();
        return reads ? failedWithReads(t, r) : failedAfterReading(t, r.getHeader().getRevision());
      } catch (UnknownOutcomeException e) {
        if (!sent) {
          // a lease grant's answer was lost: the transaction itself never left
          leasing.release();
          throw new StoreUnavailableException(
              "etcd did not answer a lease grant; the transaction was not sent",
              first,
              store.description(),
              store.failures.endpoints(),
              e);
        }
        // the keys may be on the fresh leases now: they expire with their TTL
        leasing.keep();
        throw e;
      } catch (KVException e) {
        leasing.release();
        if (attempt == 0 && sent && leasing.ephemeralLost(e)) {
          continue; // the store's lease expired while cut off: once more on a new one
        }
        throw e;
      } catch (RuntimeException e) {
        leasing.release();
        throw e;
      }
    }
  }

  private TxnResponse send(TxnRequest request, String key) {
    return store.write(() -> store.kv.txn(request), key);
  }

  private static boolean tooLargeAnswer(KVException e) {
    return !(e instanceof StoreUnavailableException)
        && Status.fromThrowable(e).getCode() == Status.Code.RESOURCE_EXHAUSTED;
  }

  private TxnRequest request(Transaction t, Leasing leasing, boolean reads) {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    for (Transaction.Condition c : t.conditions()) {
      ByteString k = store.space.key(c.key());
      if (c instanceof Transaction.Absent) {
        b.addCompare(DirectKv.created(k, Compare.CompareResult.EQUAL, 0));
      } else if (c instanceof Transaction.Present) {
        b.addCompare(DirectKv.created(k, Compare.CompareResult.GREATER, 0));
      } else {
        long index = ((Transaction.IndexEquals) c).index();
        b.addCompare(DirectKv.modified(k, Compare.CompareResult.EQUAL, index));
      }
    }
    // deletes first: etcd's events follow the operations' order, and a tree watch's event takes
    // the type of its last change (a transaction that puts anything is a PUT event, as in memory)
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Delete) {
        b.addSuccess(DirectKv.op(DirectKv.delete(store.space.key(o.key()))));
      }
    }
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Put p) {
        ByteString v = ByteString.copyFrom(p.valueUnsafe());
        long lease = leasing.leaseFor(p.options());
        b.addSuccess(DirectKv.op(DirectKv.put(store.space.key(p.key()), v, lease)));
      }
    }
    if (reads) {
      for (String key : t.comparedKeys()) {
        b.addFailure(DirectKv.op(DirectKv.get(store.space.key(key)).build()));
      }
    }
    return b.build();
  }

  /** The failure, its condition found in the reads the failure branch made. */
  private TransactionResult failedWithReads(Transaction t, TxnResponse r) {
    List<String> keys = t.comparedKeys();
    Map<String, KVPair> current = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      RangeResponse range = r.getResponses(i).getResponseRange();
      if (range.getKvsCount() > 0) {
        current.put(keys.get(i), EtcdStore.pair(keys.get(i), range.getKvs(0)));
      }
    }
    List<KVPair> pairs = new ArrayList<>();
    for (String k : keys) {
      KVPair p = current.get(k);
      if (p != null) {
        pairs.add(p);
      }
    }
    return TransactionResult.failed(firstFailing(t, current, r.getHeader().getRevision()), pairs);
  }

  /**
   * The failure of a transaction sent without reads: the compared keys are read, in parallel, at
   * the revision the compares saw, to name the failed condition (the pairs are not reported, as
   * they did not come with the failure).
   */
  private TransactionResult failedAfterReading(Transaction t, long revision) {
    Map<String, CompletableFuture<RangeResponse>> calls = new LinkedHashMap<>();
    for (String k : t.comparedKeys()) {
      RangeRequest o = DirectKv.get(store.space.key(k)).setRevision(revision).build();
      calls.put(k, store.kv.range(o));
    }
    Map<String, KVPair> current = new HashMap<>();
    for (Map.Entry<String, CompletableFuture<RangeResponse>> e : calls.entrySet()) {
      RangeResponse range = store.await(e.getValue(), e.getKey(), false);
      if (range.getKvsCount() > 0) {
        current.put(e.getKey(), EtcdStore.pair(e.getKey(), range.getKvs(0)));
      }
    }
    return TransactionResult.failed(firstFailing(t, current, revision), null);
  }

  private Transaction.Condition firstFailing(
      Transaction t, Map<String, KVPair> current, long revision) {
    for (Transaction.Condition c : t.conditions()) {
      if (!c.holdsFor(current.get(c.key()))) {
        return c;
      }
    }
    throw new KVException(
        "etcd refused the transaction, yet every condition holds at revision " + revision,
        t.operations().get(0).key(),
        store.description(),
        null);
  }

  /**
   * The leases of one attempt: the store's kept-alive one for ephemeral puts, one fresh lease per
   * TTL for expiring puts. Fresh leases not used by a commit are revoked, never left to expire.
   */
  private final class Leasing {
    private final String key;
    private final Map<Duration, Long> fresh = new HashMap<>();
    private final List<Long> ephemeral = new ArrayList<>();

    Leasing(String key) {
      this.key = key;
    }

    long leaseFor(WriteOptions options) {
      if (options.ttl().isEmpty()) {
        return 0;
      }
      Duration ttl = EtcdStore.wholeSeconds(options.ttl().get());
      if (options.keepAlive()) {
        long id = store.leases.lease(ttl, key).id;
        ephemeral.add(id);
        return id;
      }
      Long id = fresh.get(ttl);
      if (id == null) {
        id = store.leases.grant(ttl, key);
        fresh.put(ttl, id);
      }
      return id;
    }

    /** The commit may use the fresh leases. */
    void keep() {
      fresh.clear();
    }

    /** Nothing was applied: the fresh leases go now (the answer is not waited for). */
    void release() {
      for (long id : fresh.values()) {
        store.leases.revoke(id);
      }
      fresh.clear();
    }

    /** Whether etcd refused for an ephemeral lease it no longer has; the store gives it up. */
    boolean ephemeralLost(KVException e) {
      if (ephemeral.isEmpty()
          || !Failures.isLeaseNotFound(e.getCause() == null ? e : e.getCause())) {
        return false;
      }
      ephemeral.forEach(store.leases::gone);
      return true;
    }
  }
}
