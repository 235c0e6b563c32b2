package io.libkv.memory;

import io.libkv.KVPair;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import java.time.Duration;

/** A lock of the memory store: the holder's key lives on its store's lease of the lock's TTL. */
final class MemoryLock extends AbstractLock {
  private final MemoryStore store;
  private final MemoryData data;
  private final byte[] value;
  private final Duration ttl;

  MemoryLock(MemoryStore store, MemoryData data, String key, byte[] value, Duration ttl) {
    super(key, data.time);
    this.store = store;
    this.data = data;
    this.value = value;
    this.ttl = ttl;
  }

  @Override
  protected Attempt attempt() {
    store.checkReachable(key());
    data.lock.lock();
    try {
      data.sweepDue();
      MemoryData.LockState st = data.locks.computeIfAbsent(key(), k -> new MemoryData.LockState());
      if (st.holder != null) {
        return Attempt.waitFor(st.released);
      }
      if (data.map.containsKey(key())) {
        // a value this lock did not write: held by its writer until deleted (which completes
        // released)
        return Attempt.waitFor(st.released);
      }
      MemoryData.Lease lease = store.lease(ttl);
      KVPair pair = data.write(key(), value, lease, Long.MAX_VALUE);
      Held h = new Held(key(), pair.lastIndex(), lease);
      st.holder = h;
      lease.held.add(h);
      return Attempt.acquired(h);
    } finally {
      data.lock.unlock();
    }
  }

  @Override
  protected void abandon() {
    // nothing queued: waiters only watch the release future
  }

  /** A held memory lock. */
  final class Held extends AbstractLockLease {
    final MemoryData.Lease lease;

    Held(String key, long token, MemoryData.Lease lease) {
      super(key, token, store.description(), store.deadline(lease));
      this.lease = lease;
    }

    @Override
    protected void release() {
      data.lock.lock();
      try {
        MemoryData.LockState st = data.locks.get(key());
        if (st != null && st.holder == this) {
          data.freeLock(this);
          // only the lock's own write: a value put over it since is the writer's
          MemoryData.Entry e = data.map.get(key());
          if (e != null && e.pair.lastIndex() == fencingToken()) {
            data.remove(key());
          }
        }
      } finally {
        data.lock.unlock();
      }
    }
  }
}
