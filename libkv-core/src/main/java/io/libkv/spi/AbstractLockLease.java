package io.libkv.spi;

import io.libkv.LockLease;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A held lock's common behaviour: unlock once, report loss once, never report a loss after an
 * unlock. The backend supplies the release.
 */
public abstract class AbstractLockLease implements LockLease {
  private static final int HELD = 0;
  private static final int RELEASED = 1;
  private static final int LOST = 2;

  private final String key;
  private final long fencingToken;
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private final AtomicInteger state = new AtomicInteger(HELD);
  private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile Runnable onEnd = () -> {};

  /** A lease on canonical {@code key} with its fencing token. */
  protected AbstractLockLease(String key, long fencingToken) {
    this.key = Objects.requireNonNull(key, "key");
    this.fencingToken = fencingToken;
  }

  /** Removes the lock's key and queue entry; called once, by the first {@link #close()}. */
  protected abstract void release();

  /** Cleans up after a loss when the user closes the lease (default: nothing left to do). */
  protected void releaseAfterLoss() {}

  void onEnd(Runnable r) {
    this.onEnd = r;
    if (ended.get()) {
      r.run();
    }
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      onEnd.run();
    }
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
    return state.get() == HELD;
  }

  /**
   * Declares the lock lost (session expired, renewal failed, connection suspended); completes
   * {@link #lost()} unless the lock was already unlocked. Idempotent.
   *
   * @return whether this call declared the loss
   */
  public final boolean markLost() {
    if (state.compareAndSet(HELD, LOST)) {
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
    return "LockLease{" + key + ", token=" + fencingToken + ", " + (isHeld() ? "held" : "ended") + "}";
  }
}
