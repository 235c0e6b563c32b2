package io.libkv.boltdb.internal;

import io.libkv.KVException;
import io.libkv.TimeSource;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import io.libkv.spi.KeepAlive;
import io.libkv.spi.LeaseDeadline;
import io.libkv.spi.OpenCheck;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A lock on a bbolt file: a record (holder, fencing token, deadline) in our own bucket, and the
 * user key holding the lock's value. The holder renews the deadline; a dead holder's lock is free
 * once its deadline passes. A key holding a value the lock did not write counts as held until it is
 * deleted, and unlock deletes the key only while it holds the lock's own write. Waiters sleep until
 * the file changes (a commit here, or one another process made, which the poller notices).
 */
final class BoltdbLock extends AbstractLock {
  private final BoltdbStore store;
  private final OpenCheck open;
  private final byte[] value;
  private final Duration ttl;

  BoltdbLock(BoltdbStore store, OpenCheck open, String key, byte[] value, Duration ttl) {
    super(
        key,
        TimeSource
            .system()); // as its leases: deadlines in the file are shared with other processes
    this.store = store;
    this.open = open;
    this.value = value;
    this.ttl = ttl;
  }

  @Override
  protected Attempt attempt() {
    open.check();
    store.checkWritable(key());
    store.checkRenewable();
    var change = store.file().nextChange();
    // most attempts find the lock held: a read answers that without queueing for the writer
    if (store.read(key(), tx -> store.bucket().lockHeld(tx, key()))) {
      return Attempt.waitFor(change);
    }
    // the record's deadline is written from the clock inside the write, no earlier than this
    long sent = TimeSource.system().nanoTime();
    Held h =
        store.write(
            key(),
            tx -> {
              long token = store.bucket().tryLock(tx, key(), store.owner(), value, ttl.toMillis());
              if (token == 0) {
                return null;
              }
              // registered before the commit, so a close() serialised after it releases this lock
              Held held = new Held(token);
              store.held(held, true);
              store
                  .file()
                  .onAbort(() -> store.held(held, false)); // rolled back with its batch: not held
              return held;
            });
    if (h == null) {
      return Attempt.waitFor(change);
    }
    h.kept(
        KeepAlive.start(
            "lock " + key() + " of " + store.description(),
            ttl,
            sent,
            TimeSource.system(),
            store.renewals(),
            h::renew,
            e -> h.lose(),
            store.keepAliveReports()));
    return Attempt.acquired(h);
  }

  @Override
  protected void abandon() {
    // nothing queued: waiters only wait for the file to change
  }

  /** A held lock's deadline: its keep-alive's, started right after the acquiring commit. */
  private static final class Renewals implements LeaseDeadline {
    volatile @Nullable KeepAlive keepAlive;

    @Override
    public TimeSource time() {
      return TimeSource.system();
    }

    @Override
    public long confirmedUntil() {
      KeepAlive k = keepAlive;
      // set before the lease is handed out; until then nothing asks
      return k == null ? TimeSource.system().nanoTime() : k.confirmedUntil();
    }
  }

  /** A held lock. */
  final class Held extends AbstractLockLease {
    private final Renewals renewals;
    volatile @Nullable KeepAlive keepAlive;

    Held(long token) {
      this(token, new Renewals());
    }

    private Held(long token, Renewals renewals) {
      super(BoltdbLock.this.key(), token, store.description(), renewals);
      this.renewals = renewals;
    }

    void kept(KeepAlive k) {
      keepAlive = k;
      renewals.keepAlive = k;
    }

    void renew() {
      store.checkRenewable();
      boolean ours =
          store
              .file()
              .write(tx -> store.bucket().renewLock(tx, key(), store.owner(), fencingToken()));
      if (!ours) {
        throw new KVException("lock " + key() + " was taken over", null);
      }
    }

    void lose() {
      markLost();
      store.held(this, false);
    }

    void stop() {
      KeepAlive k = keepAlive;
      if (k != null) {
        k.close();
      }
    }

    @Override
    protected void release() {
      stop();
      store.held(this, false);
      store
          .file()
          .write(
              tx -> {
                store.bucket().unlock(tx, key(), store.owner(), fencingToken());
                return null;
              });
    }
  }
}
