package io.libkv.recipes.internal;

import io.libkv.KVException;
import io.libkv.Watch;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a watch running on a thread of its own: opens it, hands every event to a consumer, and when
 * the watch fails reports the error and opens it again after a backoff, so a follower never hangs
 * on a dead watch. Ends when closed, or when the store is closed.
 *
 * @param <E> the event type
 */
public final class WatchLoop<E> implements AutoCloseable {
  private final Supplier<Watch<E>> open;
  private final Consumer<E> events;
  private final Consumer<KVException> errors;
  private final Backoff backoff =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(5));
  private final Thread thread;
  private volatile boolean running = true;
  private @Nullable Watch<E> watch;

  /** A loop on a daemon thread named {@code name}; {@link #start()} runs it. */
  public WatchLoop(
      String name, Supplier<Watch<E>> open, Consumer<E> events, Consumer<KVException> errors) {
    this.open = open;
    this.events = events;
    this.errors = errors;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /** Starts the loop. */
  public void start() {
    thread.start();
  }

  /** Whether {@link #close()} was called. */
  public boolean isRunning() {
    return running;
  }

  private void run() {
    int failures = 0;
    while (running) {
      Watch<E> w;
      try {
        w = open.get();
      } catch (IllegalStateException e) {
        break;
      } catch (KVException e) {
        errors.accept(e);
        pause(backoff.delay(failures++));
        continue;
      }
      synchronized (this) {
        if (!running) {
          w.close();
          break;
        }
        watch = w;
      }
      try {
        for (E e : w) {
          failures = 0;
          events.accept(e);
        }
      } catch (KVException e) {
        errors.accept(e);
        pause(backoff.delay(failures++));
      } finally {
        w.close();
      }
    }
  }

  /** Sleeps, returning early when interrupted (as {@link #close()} does). */
  public static void pause(Duration d) {
    try {
      Thread.sleep(Math.max(1, d.toMillis()));
    } catch (InterruptedException e) {
      // close() interrupts; callers check whether they still run
    }
  }

  /** Stops the loop and waits for its thread; idempotent. */
  @Override
  public void close() {
    Watch<E> w;
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      w = watch;
    }
    if (w != null) {
      w.close();
    }
    stopAndJoin(thread);
  }

  /** Interrupts a worker thread and waits (bounded) for it to end. */
  public static void stopAndJoin(Thread t) {
    t.interrupt();
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
