package io.libkv.spi;

import io.libkv.KVException;
import io.libkv.Subscription;
import io.libkv.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Keeps a session or lease alive: renews it every third of its TTL and, when renewals fail,
 * retries with backoff until two thirds of the TTL have passed since the last success — then
 * declares it lost, before the server can have expired it and granted its locks to another. A
 * renewal that hangs (a partition that drops nothing, a stopped server) does not delay that: a
 * watchdog declares the loss at the same deadline whatever the renewal call is doing.
 *
 * <p>Renewals run on the given executor (they may block on I/O); the timing runs on the store's
 * {@link TimeSource}, so tests drive it with a manual clock.
 */
public final class KeepAlive implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.libkv.keepalive");
  private static final AtomicInteger ACTIVE = new AtomicInteger();

  /** Renews once; throws a {@link KVException} when it cannot. */
  @FunctionalInterface
  public interface Renewal {
    /** Renews; returns normally on success. */
    void renew();
  }

  private final String name;
  private final Duration ttl;
  /** Two thirds of the TTL: without a success for this long, the session is declared lost. */
  private final long lossAfterNanos;
  private final TimeSource time;
  private final Executor executor;
  private final Renewal renewal;
  private final Consumer<KVException> onLost;
  private final Backoff backoff;
  private long lastSuccess;
  private int failures;
  private boolean stopped;
  private Subscription timer;
  private Subscription watchdog;

  private KeepAlive(String name, Duration ttl, TimeSource time, Executor executor, Renewal renewal,
      Consumer<KVException> onLost) {
    this.name = name;
    this.ttl = ttl;
    this.lossAfterNanos = ttl.toNanos() * 2 / 3;
    this.time = time;
    this.executor = executor;
    this.renewal = renewal;
    this.onLost = onLost;
    long maxMs = Math.min(1000, Math.max(1, ttl.toMillis() / 10));
    this.backoff = Backoff.exponential(Duration.ofMillis(Math.max(1, maxMs / 4)), Duration.ofMillis(maxMs));
  }

  /**
   * Starts keeping {@code name} alive; the first renewal is due a third of {@code ttl} from now
   * (the caller has just created or renewed it).
   *
   * @param onLost called once, on the executor, when the session is declared lost
   */
  public static KeepAlive start(String name, Duration ttl, TimeSource time, Executor executor,
      Renewal renewal, Consumer<KVException> onLost) {
    KeepAlive k = new KeepAlive(Objects.requireNonNull(name, "name"), Objects.requireNonNull(ttl, "ttl"),
        Objects.requireNonNull(time, "time"), Objects.requireNonNull(executor, "executor"),
        Objects.requireNonNull(renewal, "renewal"), Objects.requireNonNull(onLost, "onLost"));
    ACTIVE.incrementAndGet();
    synchronized (k) {
      k.lastSuccess = time.nanoTime();
      k.scheduleLocked(ttl.dividedBy(3));
      k.armWatchdogLocked();
    }
    return k;
  }

  /** How many keep-alives run in this JVM (for leak checks). */
  public static int active() {
    return ACTIVE.get();
  }

  private void scheduleLocked(Duration delay) {
    if (!stopped) {
      timer = time.schedule(this::due, delay);
    }
  }

  /** Fires at two thirds of the TTL after the last success, unless another success moved it. */
  private void armWatchdogLocked() {
    if (stopped) {
      return;
    }
    if (watchdog != null) {
      watchdog.close();
    }
    long left = lossAfterNanos - (time.nanoTime() - lastSuccess);
    watchdog = time.schedule(this::checkDeadline, Duration.ofNanos(Math.max(0, left)));
  }

  private void checkDeadline() {
    long since;
    synchronized (this) {
      if (stopped) {
        return;
      }
      since = time.nanoTime() - lastSuccess;
      if (since < lossAfterNanos) {
        armWatchdogLocked();
        return;
      }
    }
    lose(new io.libkv.StoreUnavailableException("keep-alive of " + name + ": no renewal succeeded within "
        + Durations.format(Duration.ofNanos(since)) + ", two thirds of its TTL " + Durations.format(ttl), null, null, java.util.List.of(), null));
  }

  private void due() {
    try {
      executor.execute(this::renewOnce);
    } catch (RejectedExecutionException e) {
      lose(new KVException("keep-alive of " + name + " could not run: its executor is shut down", e));
    }
  }

  private void renewOnce() {
    long started;
    synchronized (this) {
      if (stopped) {
        return;
      }
      started = time.nanoTime();
    }
    try {
      renewal.renew();
      synchronized (this) {
        if (stopped) {
          return; // the watchdog declared it lost meanwhile
        }
        lastSuccess = started;
        failures = 0;
        scheduleLocked(ttl.dividedBy(3));
        armWatchdogLocked();
      }
    } catch (KVException e) {
      boolean lost;
      synchronized (this) {
        if (stopped) {
          return;
        }
        failures++;
        long since = time.nanoTime() - lastSuccess;
        lost = since >= lossAfterNanos;
        if (!lost) {
          Duration wait = backoff.delay(failures);
          long left = lossAfterNanos - since;
          scheduleLocked(Duration.ofNanos(Math.min(wait.toNanos(), Math.max(left, 0))));
        }
      }
      LOG.log(System.Logger.Level.DEBUG, () -> "renewal of " + name + " failed: " + e.getMessage());
      if (lost) {
        lose(e);
      }
    }
  }

  private void lose(KVException cause) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      stop();
    }
    try {
      onLost.accept(cause);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "loss handler of " + name + " threw", e);
    }
  }

  /** Whether it still runs. */
  public synchronized boolean isRunning() {
    return !stopped;
  }

  private void stop() {
    stopped = true;
    if (timer != null) {
      timer.close();
    }
    if (watchdog != null) {
      watchdog.close();
    }
    ACTIVE.decrementAndGet();
  }

  /** Stops renewing (the caller revokes the session itself); idempotent. */
  @Override
  public synchronized void close() {
    if (!stopped) {
      stop();
    }
  }
}
