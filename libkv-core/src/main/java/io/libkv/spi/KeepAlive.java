package io.libkv.spi;

import io.libkv.Durations;
import io.libkv.KVException;
import io.libkv.KeepAliveEvent;
import io.libkv.Subscription;
import io.libkv.TimeSource;
import io.libkv.internal.kit.LeakProbe;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a session or lease alive: renews it every third of its TTL and, when renewals fail, retries
 * with backoff until two thirds of the TTL have passed since the last success — then declares it
 * lost, before the server can have expired it and granted its locks to another. A renewal that
 * hangs (a partition that drops nothing, a stopped server) does not delay that: a watchdog declares
 * the loss at the same deadline whatever the renewal call is doing.
 *
 * <p>As a {@link LeaseDeadline} it says until when the session is confirmed: the time the last
 * successful renewal was sent plus two thirds of the TTL, the same instant the watchdog fires, so a
 * lock's holder can compare it with the clock itself instead of waiting for the watchdog's thread.
 * A renewal sent after that instant does not count: the server may have expired the session before
 * it arrived.
 *
 * <p>Renewals run on the given executor (they may block on I/O); the timing runs on the store's
 * {@link TimeSource}, so tests drive it with a manual clock.
 */
public final class KeepAlive implements AutoCloseable, LeaseDeadline {
  private static final System.Logger LOG = System.getLogger("io.libkv.keepalive");

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
  private final Consumer<KeepAliveEvent> report;
  private final Backoff backoff;
  private long lastSuccess;

  /** lastSuccess + lossAfterNanos, readable without the lock by every isHeld(). */
  private volatile long confirmedUntil;

  private int failures;
  private boolean stopped;
  private @Nullable Subscription timer;
  private @Nullable Subscription watchdog;

  private KeepAlive(
      String name,
      Duration ttl,
      TimeSource time,
      Executor executor,
      Renewal renewal,
      Consumer<KVException> onLost,
      Consumer<KeepAliveEvent> report) {
    this.report = report;
    this.name = name;
    this.ttl = ttl;
    this.lossAfterNanos = ttl.toNanos() * 2 / 3;
    this.time = time;
    this.executor = executor;
    this.renewal = renewal;
    this.onLost = onLost;
    long maxMs = Math.min(1000, Math.max(1, ttl.toMillis() / 10));
    this.backoff =
        Backoff.exponential(Duration.ofMillis(Math.max(1, maxMs / 4)), Duration.ofMillis(maxMs));
  }

  /**
   * Starts keeping {@code name} alive; the first renewal is due a third of {@code ttl} from now
   * (the caller has just created or renewed it, and the confirmation counts from now).
   *
   * @param onLost called once, on the executor, when the session is declared lost
   */
  public static KeepAlive start(
      String name,
      Duration ttl,
      TimeSource time,
      Executor executor,
      Renewal renewal,
      Consumer<KVException> onLost) {
    return start(name, ttl, time.nanoTime(), time, executor, renewal, onLost);
  }

  /**
   * Starts keeping {@code name} alive, confirmed as of {@code sentAt}: the {@code time.nanoTime()}
   * at which the request that created or last renewed it was sent (the server's TTL runs from when
   * it received that request, no earlier). The first renewal is due a third of {@code ttl} from
   * then.
   *
   * @param onLost called once, on the executor, when the session is declared lost
   */
  public static KeepAlive start(
      String name,
      Duration ttl,
      long sentAt,
      TimeSource time,
      Executor executor,
      Renewal renewal,
      Consumer<KVException> onLost) {
    return start(name, ttl, sentAt, time, executor, renewal, onLost, e -> {});
  }

  /**
   * As {@link #start(String, Duration, long, TimeSource, Executor, Renewal, Consumer)}, telling
   * {@code report} of every renewal, failure and the loss ({@code
   * AbstractStore.keepAliveReporter()} passes them to the store's {@code onKeepAlive} listeners).
   */
  public static KeepAlive start(
      String name,
      Duration ttl,
      long sentAt,
      TimeSource time,
      Executor executor,
      Renewal renewal,
      Consumer<KVException> onLost,
      Consumer<KeepAliveEvent> report) {
    KeepAlive k =
        new KeepAlive(
            Objects.requireNonNull(name, "name"),
            Objects.requireNonNull(ttl, "ttl"),
            Objects.requireNonNull(time, "time"),
            Objects.requireNonNull(executor, "executor"),
            Objects.requireNonNull(renewal, "renewal"),
            Objects.requireNonNull(onLost, "onLost"),
            Objects.requireNonNull(report, "report"));
    LeakProbe.keepAliveStarted();
    synchronized (k) {
      k.confirmedLocked(sentAt);
      long since = Math.max(0, time.nanoTime() - sentAt);
      k.scheduleLocked(Duration.ofNanos(Math.max(0, ttl.dividedBy(3).toNanos() - since)));
      k.armWatchdogLocked();
    }
    return k;
  }

  private void confirmedLocked(long sentAt) {
    lastSuccess = sentAt;
    confirmedUntil = sentAt + lossAfterNanos;
  }

  @Override
  public TimeSource time() {
    return time;
  }

  @Override
  public long confirmedUntil() {
    return confirmedUntil;
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
    lose(
        new io.libkv.StoreUnavailableException(
            "keep-alive of "
                + name
                + ": no renewal succeeded within "
                + Durations.format(Duration.ofNanos(since))
                + ", two thirds of its TTL "
                + Durations.format(ttl),
            null,
            null,
            java.util.List.of(),
            null));
  }

  private void due() {
    try {
      executor.execute(this::renewOnce);
    } catch (RejectedExecutionException e) {
      lose(
          new KVException(
              "keep-alive of " + name + " could not run: its executor is shut down", e));
    }
  }

  private void renewOnce() {
    long started;
    long lateRenewal = -1;
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
        if (started - lastSuccess >= lossAfterNanos) {
          // sent after the deadline (this process was paused): the server may have expired it first
          lateRenewal = started - lastSuccess;
        } else {
          confirmedLocked(started);
          failures = 0;
          scheduleLocked(ttl.dividedBy(3));
          armWatchdogLocked();
        }
      }
      if (lateRenewal < 0) {
        tell(KeepAliveEvent.renewed(name, Duration.ofNanos(time.nanoTime() - started)));
      }
      if (lateRenewal >= 0) {
        lose(
            new io.libkv.StoreUnavailableException(
                "keep-alive of "
                    + name
                    + ": a renewal was sent "
                    + Duration.ofNanos(lateRenewal)
                    + " after the last success, past two thirds of its TTL "
                    + ttl,
                null,
                null,
                java.util.List.of(),
                null));
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
      tell(KeepAliveEvent.failed(name, Duration.ofNanos(time.nanoTime() - started), e));
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
    tell(KeepAliveEvent.lost(name, cause));
  }

  private void tell(KeepAliveEvent e) {
    try {
      report.accept(e);
    } catch (RuntimeException x) {
      LOG.log(System.Logger.Level.WARNING, "keep-alive report of " + name + " threw", x);
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
    LeakProbe.keepAliveStopped();
  }

  /** Stops renewing (the caller revokes the session itself); idempotent. */
  @Override
  public synchronized void close() {
    if (!stopped) {
      stop();
    }
  }
}
