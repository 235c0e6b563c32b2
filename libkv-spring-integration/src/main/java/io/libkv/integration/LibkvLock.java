package io.libkv.integration;

import io.libkv.KVException;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.LockOptions;
import io.libkv.Store;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link java.util.concurrent.locks.Lock} on one store key, handed out by {@link
 * LibkvLockRegistry#obtain(Object)}: a thread holds it when it holds both a local reentrant lock
 * and the store's distributed lock ({@link io.libkv.Lock}) on the key.
 *
 * <p><b>Acquiring.</b> {@link #lock()} waits as long as it takes and is not interruptible (an
 * interrupt while waiting is kept and re-asserted once the lock is held, as {@link ReentrantLock}
 * does); {@link #lockInterruptibly()} stops waiting on interrupt and leaves nothing held or queued;
 * {@link #tryLock()} takes the lock only if it is free at once; {@link #tryLock(long, TimeUnit)}
 * waits at most the given time, shared between the local wait and the store's. A failure of the
 * store while acquiring ({@link KVException}) is thrown with nothing held.
 *
 * <p><b>Reentrant per thread</b>, as Spring's own registries: a thread that holds the lock acquires
 * it again at once (without a store call) and must unlock as many times. A re-acquisition first
 * checks the store's lease ({@link LockLease#isHeld()}).
 *
 * <p><b>A loss ends the hold.</b> When a thread that holds the lock acquires it again and finds its
 * lease lost, the holds it had are dropped and this acquisition starts afresh: it acquires the
 * store lock anew (waiting as the call says; {@code tryLock} returns false while another client
 * holds it) with a hold count of one. Spring's {@code LockRegistryLeaderInitiator}, which
 * re-acquires on every heartbeat and never unlocks after a failed one, so learns of a loss at its
 * next heartbeat and can lead again later. An {@link #unlock()} of a dropped hold (the thread holds
 * nothing more, nested code unlocking outwards) throws {@link LockLostException}.
 *
 * <p><b>Unlocking.</b> {@link #unlock()} by a thread that does not hold the lock (and has no
 * dropped hold) throws {@link IllegalMonitorStateException}, as {@link ReentrantLock}: another
 * thread cannot release it, and a lock whose holding thread ended stays held until its store
 * closes. The last unlock of the holding thread closes the store lease (its key is deleted, if it
 * still holds the lease's own write) and releases the local lock; if the lease had been lost before
 * that unlock, it then throws {@link LockLostException}, because what the lock protected may have
 * been done by two holders at once. If the store cannot be reached it throws that {@link
 * KVException} (the lock then ends with its TTL); the local lock is released either way.
 *
 * <p><b>Fencing and loss.</b> {@link #lease()} gives the holding thread the store's lease: its
 * {@link LockLease#fencingToken()} to pass to what it writes, {@link LockLease#lost()} to learn of
 * a loss, and {@link LockLease#checkHeld()} to call before acting. The lease is released through
 * {@link #unlock()} only; its {@code close()} is refused.
 *
 * <p>{@link #newCondition()} is not supported (a condition would have to release and re-take the
 * distributed lock): it throws {@link UnsupportedOperationException}.
 */
public final class LibkvLock implements Lock {
  private final Store store;
  private final String key;
  private final LockOptions options;
  private final ReentrantLock local = new ReentrantLock();
  // written only by the thread holding `local`
  private @Nullable LockLease lease;
  private volatile long lastUsedMillis = System.currentTimeMillis();
  // per thread: holds ended by a loss that the thread has not unlocked yet
  private final ThreadLocal<int[]> dropped = ThreadLocal.withInitial(() -> new int[1]);

  LibkvLock(Store store, String key, LockOptions options) {
    this.store = store;
    this.key = key;
    this.options = options;
  }

  /** The store key this lock holds. */
  public String key() {
    return key;
  }

  /**
   * The store lease of the current thread's hold: its fencing token, {@code lost()}, {@code
   * checkHeld()}; {@code close()} throws {@link UnsupportedOperationException} (unlock through
   * {@link #unlock()}).
   *
   * @throws IllegalMonitorStateException if the current thread does not hold this lock
   */
  public LockLease lease() {
    if (!local.isHeldByCurrentThread()) {
      throw new IllegalMonitorStateException(
          "the current thread does not hold the lock on \"" + key + "\"");
    }
    return new HeldLease(Objects.requireNonNull(lease));
  }

  /** Whether the current thread holds this lock (its store lease may have been lost since). */
  public boolean isHeldByCurrentThread() {
    return local.isHeldByCurrentThread();
  }

  /** Whether some thread of this process holds this lock, for the registry's expiry. */
  boolean isLockedHere() {
    return local.isLocked() || local.hasQueuedThreads();
  }

  long lastUsedMillis() {
    return lastUsedMillis;
  }

  @Override
  public void lock() {
    local.lock();
    boolean interrupted = false;
    boolean acquired = false;
    try {
      while (!acquired) {
        try {
          acquired = acquireStore(null);
        } catch (InterruptedException e) {
          // lock() is not interruptible: keep waiting, re-assert the interrupt once held
          interrupted = true;
        }
      }
    } finally {
      if (!acquired) {
        local.unlock();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    local.lockInterruptibly();
    boolean acquired = false;
    try {
      acquired = acquireStore(null);
    } finally {
      if (!acquired) {
        local.unlock();
      }
    }
  }

  @Override
  public boolean tryLock() {
    if (!local.tryLock()) {
      return false;
    }
    boolean acquired = false;
    try {
      acquired = acquireStore(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!acquired) {
        local.unlock();
      }
    }
    return acquired;
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(time);
    if (!local.tryLock(time, unit)) {
      return false;
    }
    boolean acquired = false;
    try {
      acquired = acquireStore(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } finally {
      if (!acquired) {
        local.unlock();
      }
    }
    return acquired;
  }

  /**
   * Makes sure the thread (holding {@code local}) has a live store lease: keeps a held one, else
   * acquires a new one, waiting {@code timeout} (null: as long as it takes).
   */
  private boolean acquireStore(@Nullable Duration timeout) throws InterruptedException {
    lastUsedMillis = System.currentTimeMillis();
    LockLease current = lease;
    if (current != null) {
      if (current.isHeld()) {
        return true;
      }
      // the lease was lost under the thread's earlier holds: they end, this acquisition is alone
      int earlier = local.getHoldCount() - 1;
      dropped.get()[0] += earlier;
      for (int i = 0; i < earlier; i++) {
        local.unlock();
      }
      lease = null;
      closeQuietly(current);
    }
    // a fresh store Lock per acquisition: a store Lock is not reentrant, and a lost one is done
    io.libkv.Lock storeLock = store.newLock(key, options);
    Optional<LockLease> acquired =
        timeout == null ? Optional.of(storeLock.lock()) : storeLock.tryLock(timeout);
    if (acquired.isEmpty()) {
      return false;
    }
    lease = acquired.get();
    return true;
  }

  private static void closeQuietly(LockLease lost) {
    try {
      lost.close();
    } catch (KVException e) {
      // the lost lease's key, if it still holds its write, ends with its TTL
    }
  }

  @Override
  public void unlock() {
    if (!local.isHeldByCurrentThread()) {
      int[] ended = dropped.get();
      if (ended[0] > 0) {
        ended[0]--;
        throw new LockLostException(
            "this hold ended when the lock was lost: another client may have held it meanwhile",
            key,
            store.description(),
            null);
      }
      throw new IllegalMonitorStateException(
          "the current thread does not hold the lock on \"" + key + "\"");
    }
    if (local.getHoldCount() > 1) {
      local.unlock();
      return;
    }
    LockLease held = Objects.requireNonNull(lease);
    lease = null;
    lastUsedMillis = System.currentTimeMillis();
    try {
      boolean wasHeld = held.isHeld();
      held.close();
      if (!wasHeld) {
        throw new LockLostException(
            "the lock was lost before unlock: another client may have held it meanwhile",
            key,
            store.description(),
            null);
      }
    } finally {
      local.unlock();
    }
  }

  /** Not supported: throws {@link UnsupportedOperationException}. */
  @Override
  public Condition newCondition() {
    throw new UnsupportedOperationException(
        "conditions are not supported on a distributed lock (\"" + key + "\")");
  }

  @Override
  public String toString() {
    return "LibkvLock{" + key + " on " + store.description() + ", " + local + "}";
  }

  /** The holder's view of its lease: everything but {@code close()}, which is unlock's. */
  private static final class HeldLease implements LockLease {
    private final LockLease lease;

    HeldLease(LockLease lease) {
      this.lease = lease;
    }

    @Override
    public String key() {
      return lease.key();
    }

    @Override
    public long fencingToken() {
      return lease.fencingToken();
    }

    @Override
    public CompletableFuture<Void> lost() {
      return lease.lost();
    }

    @Override
    public boolean isHeld() {
      return lease.isHeld();
    }

    @Override
    public void checkHeld() {
      lease.checkHeld();
    }

    @Override
    public void close() {
      throw new UnsupportedOperationException("unlock through LibkvLock.unlock(), not the lease");
    }

    @Override
    public String toString() {
      return lease.toString();
    }
  }
}
