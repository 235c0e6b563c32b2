package io.libkv.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.libkv.KVException;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import io.libkv.spi.OpenCheck;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock: a queue of entries under {@code _libkv/locks/KEY//}, each on its store's lease of the
 * lock's TTL, ordered by create revision. A free lock (nobody queued, key absent) is taken in one
 * transaction (queue entry and user key together); otherwise the same transaction queues the entry
 * and returns the one just ahead. A waiter waits, through the store's watch, for the deletion of
 * the entry just ahead of it (or of the user key), then checks it is the head and creates the user
 * key in a transaction that compares its own entry still exists. A key holding a value the lock
 * did not write counts as held until deleted. Unlock deletes both in one transaction, the key only
 * while its mod revision is still the lock's write. Holders follow queue order, so the fencing token, the holder's entry create
 * revision, strictly increases.
 */
final class EtcdLock extends AbstractLock {
  private static final AtomicLong SEQ = new AtomicLong();

  private final EtcdStore store;
  private final OpenCheck open;
  private final byte[] value;
  private final Duration ttl;
  private final ByteSequence userKey;
  private final ByteSequence queue;
  /**
   * Names this Lock's entries, the same in every acquisition: etcd keeps an index entry for every
   * key ever written until compaction, and the queue's range compare walks them, so a fresh name
   * per acquisition made each one slower than the last. A Lock acquires once at a time, so one name
   * (with its lease's ID, unique among stores) suffices.
   */
  private final long instance = SEQ.incrementAndGet();
  // the pending entry between attempts
  private ByteSequence entry;
  private long entryRev;
  private Leases.Ref lease;

  EtcdLock(EtcdStore store, OpenCheck open, String key, byte[] value, Duration ttl) {
    super(key);
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
    // woken: one transaction takes the key if nobody is ahead any more (a range compare, see
    // CallGuard: every entry's create revision is at least ours), else says who is
    Compare nobodyAhead = DirectKv.cmp(queue, Cmp.Op.GREATER, CmpTarget.createRevision(entryRev - 1));
    Compare mine = DirectKv.cmp(entry, Cmp.Op.EQUAL, CmpTarget.createRevision(entryRev));
    Compare free = DirectKv.cmp(userKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
    GetOption ahead = GetOption.builder().withRange(ByteSequence.from(KeySpace.prefixEnd(queue.getBytes())))
        .withMaxCreateRevision(entryRev - 1).withSortField(GetOption.SortTarget.CREATE)
        .withSortOrder(GetOption.SortOrder.DESCEND).withLimit(1).withKeysOnly(true).build();
    TxnResponse t = store.txn(new Compare[] {nobodyAhead, mine, free},
        new RequestOp[] {DirectKv.putOp(userKey, ByteSequence.from(value), leased())},
        new RequestOp[] {DirectKv.getOp(entry, countOnly()), DirectKv.getOp(queue, ahead), DirectKv.getOp(userKey, countOnly())}, key());
    if (t.isSucceeded()) {
      return acquired(entryRev, t.getHeader().getRevision());
    }
    long seenAt = t.getHeader().getRevision();
    if (t.getGetResponses().get(0).getCount() == 0) {
      // our entry went with its lease (lost while we waited): queue again
      entry = null;
      return enqueue();
    }
    List<KeyValue> before = t.getGetResponses().get(1).getKvs();
    if (!before.isEmpty()) {
      KeyValue next = before.get(0);
      return Attempt.waitFor(store.watch.awaitDeletion(next.getKey(), next.getCreateRevision(), seenAt));
    }
    return Attempt.waitFor(store.watch.awaitDeletion(userKey, 0, seenAt));
  }

  private PutOption leased() {
    return PutOption.builder().withLeaseId(lease.id).build();
  }

  private static GetOption countOnly() {
    return GetOption.builder().withCountOnly(true).build();
  }

  /** One transaction: take the lock if it is free, else join the queue and learn who is just ahead. */
  private Attempt enqueue() {
    lease = store.leases.lease(ttl, key());
    ByteSequence e = queue.concat(ByteSequence.from(
        (Long.toHexString(lease.id) + "-" + instance).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    ByteSequence mark = ByteSequence.from(new byte[0]);
    GetOption last2 = GetOption.builder().withRange(ByteSequence.from(KeySpace.prefixEnd(queue.getBytes())))
        .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.DESCEND).withLimit(2)
        .withKeysOnly(true).build();
    // free = nobody queued (a range compare, see CallGuard) and the key absent
    Compare nobodyQueued = DirectKv.cmp(queue, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
    TxnResponse t;
    try {
      t = store.txn(new Compare[] {nobodyQueued, DirectKv.cmp(userKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0))},
          new RequestOp[] {DirectKv.putOp(e, mark, leased()), DirectKv.putOp(userKey, ByteSequence.from(value), leased())},
          new RequestOp[] {DirectKv.putOp(e, mark, leased()), DirectKv.getOp(queue, last2)}, key());
    } catch (KVException ex) {
      if (Failures.isLeaseNotFound(ex.getCause() == null ? ex : ex.getCause())) {
        store.leases.gone(lease.id);
      }
      throw ex;
    }
    entry = e;
    entryRev = t.getHeader().getRevision();
    if (t.isSucceeded()) {
      return acquired(entryRev, entryRev);
    }
    List<KeyValue> last = t.getGetResponses().get(0).getKvs();
    for (KeyValue kv : last) {
      if (!kv.getKey().equals(e)) {
        return Attempt.waitFor(store.watch.awaitDeletion(kv.getKey(), kv.getCreateRevision(), entryRev));
      }
    }
    // nobody queued, yet the key exists (written by a plain put): wait for it to go
    return Attempt.waitFor(store.watch.awaitDeletion(userKey, 0, entryRev));
  }

  /** Held: the token is the entry's create revision, the key was written at {@code keyRevision}. */
  private Attempt acquired(long token, long keyRevision) {
    Held h = new Held(key(), token, keyRevision, entry, lease);
    lease.held.add(h);
    entry = null;
    return Attempt.acquired(h);
  }

  @Override
  protected void abandon() {
    ByteSequence e = entry;
    entry = null;
    if (e != null) {
      try {
        store.write(() -> store.kv.delete(e, DeleteOption.DEFAULT), key());
      } catch (KVException ex) {
        // it goes with its lease
      }
    }
  }

  /** A held lock. */
  final class Held extends AbstractLockLease {
    private final long revision;
    private final ByteSequence entryKey;
    private final Leases.Ref ref;

    Held(String key, long token, long revision, ByteSequence entryKey, Leases.Ref ref) {
      super(key, token, store.description(), ref.keepAlive);
      this.revision = revision;
      this.entryKey = entryKey;
      this.ref = ref;
    }

    @Override
    protected void release() {
      ref.held.remove(this);
      // the user key only while it holds our write (a put over it keeps the create revision, not the
      // mod revision); the entry in any case
      store.txn(new Compare[] {DirectKv.cmp(userKey, Cmp.Op.EQUAL, CmpTarget.modRevision(revision))},
          new RequestOp[] {DirectKv.deleteOp(userKey, DeleteOption.DEFAULT), DirectKv.deleteOp(entryKey, DeleteOption.DEFAULT)},
          new RequestOp[] {DirectKv.deleteOp(entryKey, DeleteOption.DEFAULT)}, key());
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
