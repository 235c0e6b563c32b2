package io.libkv.spi;

import io.libkv.Durations;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The waiting half of every backend's lock: deadlines, interruption, cancellation and the
 * not-reentrant rule live here once; a backend supplies one acquisition attempt and the clean-up of
 * an abandoned one.
 *
 * <p>An attempt either acquires, or says what to wait for (the deletion of the queue entry ahead, a
 * release notification). The wait blocks on that future — never a busy loop — then attempts again.
 */
public abstract class AbstractLock implements Lock {
  private final String key;
  private final TimeSource time;
  private final AtomicBoolean busy = new AtomicBoolean();

  /**
   * A lock on canonical {@code key} whose waits are timed by {@code time}: the store's time source.
   */
  protected AbstractLock(String key, TimeSource time) {
    this.key = Objects.requireNonNull(key, "key");
    this.time = Objects.requireNonNull(time, "time");
  }

  /** The outcome of one attempt. */
  protected static final class Attempt {
    final @Nullable AbstractLockLease lease;
    final @Nullable CompletableFuture<?> wakeUp;

    private Attempt(@Nullable AbstractLockLease lease, @Nullable CompletableFuture<?> wakeUp) {
      this.lease = lease;
      this.wakeUp = wakeUp;
    }

    /** Acquired. */
    public static Attempt acquired(AbstractLockLease lease) {
      return new Attempt(Objects.requireNonNull(lease, "lease"), null);
    }

    /** Not acquired; attempt again when {@code wakeUp} completes (in any way). */
    public static Attempt waitFor(CompletableFuture<?> wakeUp) {
      return new Attempt(null, Objects.requireNonNull(wakeUp, "wakeUp"));
    }
  }

  /**
   * Tries once to acquire. Called again after each wake-up; the backend keeps its queue entry
   * between attempts. A key holding a value this lock did not write is held (by its writer): the
   * attempt then waits for that key to change or go, and never writes over it; likewise the lease's
   * release deletes the key only while it holds the lock's own write.
   *
   * @throws io.libkv.KVException if the store fails
   */
  protected abstract Attempt attempt();

  /** Undoes a pending acquisition (timeout, interrupt, failure): removes any queue entry. */
  protected abstract void abandon();

  @Override
  public final String key() {
    return key;
  }

  @Override
  public final LockLease lock() throws InterruptedException {
    return acquire(-1).orElseThrow();
  }

  @Override
  public final Optional<LockLease> tryLock(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "timeout must not be negative, was " + Durations.format(timeout));
    }
    return acquire(timeout.toNanos());
  }

  private Optional<LockLease> acquire(long timeoutNanos) throws InterruptedException {
    if (!busy.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "lock on \""
              + key
              + "\" is already held or being acquired through this Lock: locks are not reentrant");
    }
    boolean acquired = false;
    boolean clean = false;
    try {
      long deadline = time.nanoTime() + timeoutNanos;
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      while (true) {
        Attempt a;
        try {
          a = attempt();
        } catch (RuntimeException e) {
          if (Thread.interrupted()) {
            // an interrupt cut a store call short: the caller asked to stop, abandon() cleans up
            InterruptedException ie =
                new InterruptedException("interrupted while acquiring the lock on \"" + key + "\"");
            ie.initCause(e);
            throw ie;
          }
          throw e;
        }
        if (a.lease != null) {
          a.lease.onEnd(() -> busy.set(false));
          acquired = true;
          clean = true;
          return Optional.of(a.lease);
        }
        try {
          if (timeoutNanos < 0) {
            Objects.requireNonNull(a.wakeUp).get();
          } else {
            long left = deadline - time.nanoTime();
            if (left <= 0) {
              throw new TimeoutException();
            }
            // the deadline is a timer of the store's time source, so an injected source decides it
            CompletableFuture<Void> due = new CompletableFuture<>();
            io.libkv.Subscription timer =
                time.schedule(() -> due.complete(null), Duration.ofNanos(left));
            try {
              CompletableFuture.anyOf(Objects.requireNonNull(a.wakeUp), due).get();
            } finally {
              timer.close();
            }
            if (!Objects.requireNonNull(a.wakeUp).isDone()) {
              throw new TimeoutException();
            }
          }
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
          // the thing waited for ended badly; the next attempt finds out how things stand
        } catch (TimeoutException e) {
          abandon();
          clean = true;
          return Optional.empty();
        }
      }
    } finally {
      if (!clean) {
        abandon();
      }
      if (!acquired) {
        busy.set(false);
      }
    }
  }
}
