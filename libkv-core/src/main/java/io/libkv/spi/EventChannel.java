package io.libkv.spi;

import io.libkv.KVException;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.internal.kit.LeakProbe;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BinaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The delivery end of every watch: a bounded buffer between a backend and one consumer.
 *
 * <p>{@link #offer} never blocks the producer. Past {@code capacity} undelivered events, the newest
 * queued event and the new one are merged by the channel's coalescer, so memory stays bounded and
 * the latest state is never lost. The consumer either takes events (the {@link Watch} methods) or,
 * in listener mode, gets them on an {@link Executor}, one at a time and in order.
 *
 * @param <E> the event type
 */
public final class EventChannel<E> implements Watch<E> {
  private static final System.Logger LOG = System.getLogger("io.libkv.watch");

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<E> queue = new ArrayDeque<>();
  private final int capacity;
  private final BinaryOperator<E> coalescer;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final @Nullable WatchListener<E> listener;
  private final @Nullable Executor executor;
  private final String name;

  /** Run once, in order, when the channel ends; null once they ran. Guarded by lock. */
  private @Nullable List<Runnable> onClose = new ArrayList<>();

  private boolean closed;
  private @Nullable KVException failure;
  private boolean draining;
  private boolean errorDelivered;
  private long coalesced;

  private EventChannel(
      String name,
      int capacity,
      BinaryOperator<E> coalescer,
      @Nullable WatchListener<E> listener,
      @Nullable Executor executor) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1");
    }
    this.name = Objects.requireNonNull(name, "name");
    this.capacity = capacity;
    this.coalescer = Objects.requireNonNull(coalescer, "coalescer");
    this.listener = listener;
    this.executor = executor;
    LeakProbe.channelOpened();
  }

  /** A channel its consumer takes events from. */
  public static <E> EventChannel<E> polling(
      String name, int capacity, BinaryOperator<E> coalescer) {
    return new EventChannel<>(name, capacity, coalescer, null, null);
  }

  /** A channel that delivers to {@code listener} on {@code executor}. */
  public static <E> EventChannel<E> listening(
      String name,
      int capacity,
      BinaryOperator<E> coalescer,
      WatchListener<E> listener,
      Executor executor) {
    return new EventChannel<>(
        name,
        capacity,
        coalescer,
        Objects.requireNonNull(listener, "listener"),
        Objects.requireNonNull(executor, "executor"));
  }

  /**
   * Adds something to run once when the channel closes or fails (the hub and the backend each free
   * their resources): every hook added runs, in the order added, even if one before it throws. A
   * hook added after the channel ended runs at once.
   */
  public void onClose(Runnable r) {
    Objects.requireNonNull(r, "r");
    lock.lock();
    try {
      if (onClose != null) {
        onClose.add(r);
        return;
      }
    } finally {
      lock.unlock();
    }
    runHook(r);
  }

  /**
   * Queues an event; never blocks.
   *
   * @return false if the channel is closed or failed (the producer should stop)
   */
  public boolean offer(E event) {
    Objects.requireNonNull(event, "event");
    boolean schedule = false;
    lock.lock();
    try {
      if (closed || failure != null) {
        return false;
      }
      if (queue.size() >= capacity) {
        E last = queue.pollLast();
        queue.addLast(coalescer.apply(last, event));
        coalesced++;
      } else {
        queue.addLast(event);
      }
      if (listener != null) {
        if (!draining) {
          draining = true;
          schedule = true;
        }
      } else {
        changed.signal();
      }
    } finally {
      lock.unlock();
    }
    if (schedule) {
      scheduleDrain();
    }
    return true;
  }

  /** Ends the channel with an error: the consumer gets the buffered events, then the error. */
  public void fail(KVException error) {
    Objects.requireNonNull(error, "error");
    boolean schedule = false;
    lock.lock();
    try {
      if (closed || failure != null) {
        return;
      }
      failure = error;
      changed.signalAll();
      if (listener != null && !draining) {
        draining = true;
        schedule = true;
      }
    } finally {
      lock.unlock();
    }
    finish();
    done.completeExceptionally(error);
    if (schedule) {
      scheduleDrain();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      boolean wasFailed = failure != null;
      closed = true;
      queue.clear();
      changed.signalAll();
      if (wasFailed) {
        return;
      }
    } finally {
      lock.unlock();
    }
    finish();
    done.complete(null);
  }

  private void finish() {
    LeakProbe.channelEnded();
    List<Runnable> hooks;
    lock.lock();
    try {
      hooks = onClose;
      onClose = null;
    } finally {
      lock.unlock();
    }
    if (hooks == null) {
      return; // ran already
    }
    for (Runnable r : hooks) {
      runHook(r);
    }
  }

  private void runHook(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "closing watch " + name + " failed", e);
    }
  }

  /** How many events were merged because the consumer fell behind. */
  public long coalescedCount() {
    lock.lock();
    try {
      return coalesced;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public E take() throws InterruptedException {
    requirePolling();
    lock.lockInterruptibly();
    try {
      while (true) {
        E e = nextLocked();
        if (e != null) {
          return e;
        }
        changed.await();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<E> poll(Duration timeout) throws InterruptedException {
    requirePolling();
    long nanos = timeout.toNanos();
    lock.lockInterruptibly();
    try {
      while (true) {
        E e = nextLocked();
        if (e != null) {
          return Optional.of(e);
        }
        if (nanos <= 0) {
          return Optional.empty();
        }
        nanos = changed.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The next event, or null to wait; throws at the end of the stream. Holds the lock. */
  private @Nullable E nextLocked() {
    if (closed) {
      throw new IllegalStateException("watch " + name + " is closed");
    }
    E e = queue.pollFirst();
    if (e != null) {
      return e;
    }
    if (failure != null) {
      throw failure;
    }
    return null;
  }

  private void requirePolling() {
    if (listener != null) {
      throw new IllegalStateException(
          "watch " + name + " delivers to a listener; it cannot be polled");
    }
  }

  @Override
  public Iterator<E> iterator() {
    requirePolling();
    return new Iterator<>() {
      private @Nullable E next;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        try {
          lock.lockInterruptibly();
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
        try {
          while (true) {
            if (closed) {
              return false;
            }
            E e = nextLocked();
            if (e != null) {
              next = e;
              return true;
            }
            changed.await();
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        } finally {
          lock.unlock();
        }
      }

      @Override
      public E next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        E e = Objects.requireNonNull(next);
        next = null;
        return e;
      }
    };
  }

  @Override
  public boolean isOpen() {
    lock.lock();
    try {
      return !closed && failure == null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<KVException> failure() {
    lock.lock();
    try {
      return Optional.ofNullable(failure);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CompletableFuture<Void> done() {
    return done;
  }

  private void scheduleDrain() {
    try {
      Objects.requireNonNull(executor, "a listener's channel has an executor").execute(this::drain);
    } catch (RejectedExecutionException e) {
      lock.lock();
      try {
        draining = false;
      } finally {
        lock.unlock();
      }
      fail(new KVException("the executor of watch " + name + " refused its events", e));
    }
  }

  private void drain() {
    WatchListener<E> listener =
        Objects.requireNonNull(this.listener, "only a listener's channel drains");
    while (true) {
      E e;
      KVException err = null;
      lock.lock();
      try {
        e = closed ? null : queue.pollFirst();
        if (e == null) {
          if (failure != null && !errorDelivered && !closed) {
            errorDelivered = true;
            err = failure;
          }
          if (err == null) {
            draining = false;
            return;
          }
        }
      } finally {
        lock.unlock();
      }
      try {
        if (e != null) {
          listener.onEvent(e);
        } else {
          listener.onError(Objects.requireNonNull(err));
        }
      } catch (RuntimeException ex) {
        LOG.log(System.Logger.Level.WARNING, "listener of watch " + name + " threw", ex);
      }
    }
  }

  @Override
  public String toString() {
    return "Watch{" + name + (isOpen() ? "" : ", ended") + "}";
  }
}
