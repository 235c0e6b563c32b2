package io.libkv.spi;

import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.Subscription;
import io.libkv.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A held lock's common behaviour: unlock once, report loss once, never report a loss after an
 * unlock, and take the lock as lost once the clock reaches its {@link LeaseDeadline} — checked by
 * every {@link #isHeld()} and {@link #checkHeld()} on the caller's thread, and by a timer for
 * {@link #lost()}. The backend supplies the release and feeds the deadline.
 */
public abstract class AbstractLockLease implements LockLease {
  private static final int HELD = 0;
  private static final int RELEASED = 1;
  private static final int LOST = 2;

  private final String key;
  private final long fencingToken;
  private final String store;
  private final LeaseDeadline deadline;
  private final TimeSource time;
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private final AtomicInteger state = new AtomicInteger(HELD);
  private final java.util.concurrent.atomic.AtomicBoolean ended =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile Runnable onEnd = () -> {};

  /** How far past its deadline the loss was found, or -1 when the backend declared it. */
  private volatile long overDeadlineNanos = -1;

  // guarded by this
  private @Nullable Subscription timer;

  /**
   * A lease on canonical {@code key} with its fencing token.
   *
   * @param store the store's redacted description, for the exceptions
   * @param deadline until when the lock is confirmed; the lease is lost once its clock reaches it
   */
  protected AbstractLockLease(String key, long fencingToken, String store, LeaseDeadline deadline) {
    this.key = Objects.requireNonNull(key, "key");
    this.fencingToken = fencingToken;
    this.store = Objects.requireNonNull(store, "store");
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.time = Objects.requireNonNull(deadline.time(), "deadline.time()");
  }

  /** Removes the lock's key and queue entry; called once, by the first {@link #close()}. */
  protected abstract void release();

  /** Cleans up after a loss when the user closes the lease (default: nothing left to do). */
  protected void releaseAfterLoss() {}

  /**
   * Called once, when the lease is handed to the caller: runs {@code r} when it ends, and starts
   * the timer that completes {@link #lost()} at the deadline (not earlier: the acquisition's own
   * confirmation is in by now).
   */
  void onEnd(Runnable r) {
    this.onEnd = r;
    if (ended.get()) {
      r.run();
    }
    armTimer();
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      synchronized (this) {
        if (timer != null) {
          timer.close();
          timer = null;
        }
      }
      onEnd.run();
    }
  }

  /** Schedules the next deadline check; a renewal meanwhile moves the deadline, so it re-arms. */
  private void armTimer() {
    synchronized (this) {
      if (ended.get() || state.get() != HELD) {
        return;
      }
      long left = deadline.confirmedUntil() - time.nanoTime();
      timer = time.schedule(this::onTimer, Duration.ofNanos(Math.max(0, left)));
    }
  }

  private void onTimer() {
    if (!pastDeadline()) {
      armTimer();
    }
  }

  /** Whether the deadline passed; declares the loss if so. */
  private boolean pastDeadline() {
    if (state.get() != HELD) {
      return true;
    }
    // the deadline first: a renewal landing in between then leaves the older, earlier one
    long until = deadline.confirmedUntil();
    long over = time.nanoTime() - until;
    if (over < 0) {
      return false;
    }
    // nothing but a CAS and the lost() callbacks here: a resumed holder's first check stays cheap
    lose(over);
    return true;
  }

  @Override
  public final String key() {
    return key;
  }

  @Override
  public final long fencingToken() {
    return fencingToken;
  }

  @Override
  public final CompletableFuture<Void> lost() {
    return lost;
  }

  @Override
  public final boolean isHeld() {
    return !pastDeadline();
  }

  @Override
  public final void checkHeld() {
    if (!pastDeadline()) {
      return;
    }
    if (state.get() == LOST) {
      long over = overDeadlineNanos;
      throw new LockLostException(
          "lock lost before it was unlocked: "
              + (over < 0
                  ? "its session or lease ended, or its connection was suspended"
                  : "the deadline of its last confirmed renewal had passed "
                      + Duration.ofNanos(over).toMillis()
                      + " ms before (this process was paused or cut off)"),
          key,
          store,
          null);
    }
    throw new IllegalStateException("lock on \"" + key + "\" was unlocked");
  }

  /**
   * Declares the lock lost (session expired, renewal failed, connection suspended); completes
   * {@link #lost()} unless the lock was already unlocked. Idempotent.
   *
   * @return whether this call declared the loss
   */
  public final boolean markLost() {
    return lose(-1);
  }

  private boolean lose(long over) {
    if (state.compareAndSet(HELD, LOST)) {
      overDeadlineNanos = over;
      // the Lock may be acquired again at once; a late close() of this lease must not free it
      end();
      lost.complete(null);
      return true;
    }
    return false;
  }

  @Override
  public final void close() {
    int s = state.get();
    if (s == HELD && state.compareAndSet(HELD, RELEASED)) {
      try {
        release();
      } finally {
        end();
      }
    } else if (s == LOST && state.compareAndSet(LOST, RELEASED)) {
      releaseAfterLoss();
    }
  }

  @Override
  public String toString() {
    return "LockLease{"
        + key
        + ", token="
        + fencingToken
        + ", "
        + (isHeld() ? "held" : "ended")
        + "}";
  }
}
