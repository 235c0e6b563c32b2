package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnResponse;
import io.libkv.KVException;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import io.libkv.spi.OpenCheck;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A lock: a queue of entries under {@code _libkv/locks/KEY//}, each on its store's lease of the
 * lock's TTL, ordered by create revision. A free lock (nobody queued, key absent) is taken in one
 * transaction (queue entry and user key together); otherwise the same transaction queues the entry
 * and returns the one just ahead. A waiter waits, through the store's watch, for the deletion of
 * the entry just ahead of it (or of the user key), then checks it is the head and creates the user
 * key in a transaction that compares its own entry still exists. A key holding a value the lock did
 * not write counts as held until deleted. Unlock deletes both in one transaction, the key only
 * while its mod revision is still the lock's write. Holders follow queue order, so the fencing
 * token, the holder's entry create revision, strictly increases.
 */
final class EtcdLock extends AbstractLock {

  private final EtcdStore store;
  private final OpenCheck open;
  private final byte[] value;
  private final Duration ttl;
  private final ByteString userKey;
  private final ByteString queue;

  /** The slot naming the pending or held entry ({@link LockSlots}); -1 when there is none. */
  private int slot = -1;

  // the pending entry between attempts
  private @Nullable ByteString entry;
  private long entryRev;
  private Leases.@Nullable Ref lease;

  EtcdLock(EtcdStore store, OpenCheck open, String key, byte[] value, Duration ttl) {
    super(key, store.config.timeSource());
    this.store = store;
    this.open = open;
    this.value = value;
    this.ttl = ttl;
    this.userKey = store.space.key(key);
    this.queue = store.space.lockQueue(key);
  }

  @Override
  protected Attempt attempt() {
    open.check();
    if (entry == null) {
      return enqueue();
    }
    // woken: one transaction takes the key if nobody is ahead any more (every entry's create
    // revision is at least ours), else says who is
    Compare nobodyAhead = DirectKv.everyCreated(queue, Compare.CompareResult.GREATER, entryRev - 1);
    Compare mine = DirectKv.created(entry, Compare.CompareResult.EQUAL, entryRev);
    Compare free = DirectKv.created(userKey, Compare.CompareResult.EQUAL, 0);
    RangeRequest ahead = queueRange().setMaxCreateRevision(entryRev - 1).setLimit(1).build();
    // set by enqueue() with the entry
    long leaseId = Objects.requireNonNull(lease).id;
    TxnResponse t =
        store.txn(
            new Compare[] {nobodyAhead, mine, free},
            new RequestOp[] {
              DirectKv.op(DirectKv.put(userKey, ByteString.copyFrom(value), leaseId))
            },
            new RequestOp[] {countOnly(entry), DirectKv.op(ahead), countOnly(userKey)},
            key());
    if (t.getSucceeded()) {
      return acquired(entryRev, t.getHeader().getRevision());
    }
    long seenAt = t.getHeader().getRevision();
    if (t.getResponses(0).getResponseRange().getCount() == 0) {
      // our entry went with its lease (lost while we waited): queue again
      entry = null;
      return enqueue();
    }
    List<KeyValue> before = t.getResponses(1).getResponseRange().getKvsList();
    if (!before.isEmpty()) {
      KeyValue next = before.get(0);
      return Attempt.waitFor(
          store.watch.awaitDeletion(next.getKey(), next.getCreateRevision(), seenAt));
    }
    return Attempt.waitFor(store.watch.awaitDeletion(userKey, 0, seenAt));
  }

  /** The queue's entries, newest first, keys only. */
  private RangeRequest.Builder queueRange() {
    return DirectKv.get(queue, DirectKv.end(queue))
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(RangeRequest.SortOrder.DESCEND)
        .setKeysOnly(true);
  }

  private static RequestOp countOnly(ByteString key) {
    return DirectKv.op(DirectKv.get(key).setCountOnly(true).build());
  }

  /**
   * One transaction: take the lock if it is free, else join the queue and learn who is just ahead.
   */
  private Attempt enqueue() {
    lease = store.leases.lease(ttl, key());
    if (slot < 0) {
      slot = store.lockSlots.take(queue);
    }
    ByteString e = queue.concat(ByteString.copyFromUtf8(Long.toHexString(lease.id) + "-" + slot));
    ByteString mark = ByteString.EMPTY;
    RangeRequest last2 = queueRange().setLimit(2).build();
    // free = nobody queued and the key absent
    Compare nobodyQueued = DirectKv.everyCreated(queue, Compare.CompareResult.EQUAL, 0);
    TxnResponse t;
    try {
      t =
          store.txn(
              new Compare[] {
                nobodyQueued, DirectKv.created(userKey, Compare.CompareResult.EQUAL, 0)
              },
              new RequestOp[] {
                DirectKv.op(DirectKv.put(e, mark, lease.id)),
                DirectKv.op(DirectKv.put(userKey, ByteString.copyFrom(value), lease.id))
              },
              new RequestOp[] {DirectKv.op(DirectKv.put(e, mark, lease.id)), DirectKv.op(last2)},
              key());
    } catch (KVException ex) {
      if (Failures.isLeaseNotFound(ex.getCause() == null ? ex : ex.getCause())) {
        store.leases.gone(lease.id);
      }
      slot = -1; // the entry may have been written: its name is not reused
      throw ex;
    }
    entry = e;
    entryRev = t.getHeader().getRevision();
    if (t.getSucceeded()) {
      return acquired(entryRev, entryRev);
    }
    List<KeyValue> last = t.getResponses(1).getResponseRange().getKvsList();
    for (KeyValue kv : last) {
      if (!kv.getKey().equals(e)) {
        return Attempt.waitFor(
            store.watch.awaitDeletion(kv.getKey(), kv.getCreateRevision(), entryRev));
      }
    }
    // nobody queued, yet the key exists (written by a plain put): wait for it to go
    return Attempt.waitFor(store.watch.awaitDeletion(userKey, 0, entryRev));
  }

  /** Held: the token is the entry's create revision, the key was written at {@code keyRevision}. */
  private Attempt acquired(long token, long keyRevision) {
    // both set by enqueue() before any acquisition
    Held h =
        new Held(
            key(),
            token,
            keyRevision,
            Objects.requireNonNull(entry),
            slot,
            Objects.requireNonNull(lease));
    h.ref.held.add(h);
    entry = null;
    slot = -1;
    return Attempt.acquired(h);
  }

  @Override
  protected void abandon() {
    ByteString e = entry;
    int s = slot;
    entry = null;
    slot = -1;
    if (e != null) {
      try {
        store.write(() -> store.kv.delete(DirectKv.delete(e)), key());
        store.lockSlots.give(queue, s);
      } catch (KVException ex) {
        // it goes with its lease
      }
    } else if (s >= 0) {
      store.lockSlots.give(queue, s); // no entry was written under it
    }
  }

  /** A held lock. */
  final class Held extends AbstractLockLease {
    private final long revision;
    private final ByteString entryKey;
    private final int entrySlot;
    private final Leases.Ref ref;

    Held(
        String key, long token, long revision, ByteString entryKey, int entrySlot, Leases.Ref ref) {
      super(key, token, store.description(), ref.keepAlive);
      this.revision = revision;
      this.entryKey = entryKey;
      this.entrySlot = entrySlot;
      this.ref = ref;
    }

    @Override
    protected void release() {
      ref.held.remove(this);
      // the user key only while it holds our write (a put over it keeps the create revision, not
      // the
      // mod revision); the entry in any case
      store.txn(
          new Compare[] {DirectKv.modified(userKey, Compare.CompareResult.EQUAL, revision)},
          new RequestOp[] {
            DirectKv.op(DirectKv.delete(userKey)), DirectKv.op(DirectKv.delete(entryKey))
          },
          new RequestOp[] {DirectKv.op(DirectKv.delete(entryKey))},
          key());
      store.lockSlots.give(queue, entrySlot);
    }

    @Override
    protected void releaseAfterLoss() {
      if (!open.isClosed()) {
        try {
          release();
        } catch (KVException e) {
          // lost already: they go with the lease
        }
      }
    }
  }
}
