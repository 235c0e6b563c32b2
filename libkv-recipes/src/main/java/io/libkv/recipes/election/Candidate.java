package io.libkv.recipes.election;

import io.libkv.KVException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.recipes.internal.Monitors;
import io.libkv.recipes.internal.WatchLoop;
import io.libkv.util.Backoff;
import io.libkv.util.SerialExecutor;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Runs for leadership of an election key until closed.
 *
 * <p>The election is a lock on the key whose value is exactly the node id: the holder is the
 * leader, its fencing token the term. The candidate keeps running through store errors (with
 * backoff, reporting them), steps down as soon as its lock is lost, can {@link #resign()} (and may
 * win again later), and releases leadership at once on {@link #close()}.
 *
 * <pre>{@code
 * try (Candidate c = Candidate.builder(store, "services/scheduler/leader", "node-1")
 *     .ttl(Duration.ofSeconds(15)).listener(listener, executor).start()) {
 *   Optional<Leadership> term = c.awaitLeadership(Duration.ofMinutes(1));
 * }
 * }</pre>
 */
public final class Candidate implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.libkv.recipes.election");

  private final String key;
  private final String node;
  private final Lock lock;
  private final Backoff backoff;
  private final Duration resignPause;
  private final SerialExecutor events;
  private final LeadershipListener listener;
  private final Thread campaign;
  private final Object monitor = new Object();
  private volatile boolean running = true;
  private @Nullable Leadership current;
  private CompletableFuture<Void> stepDown = new CompletableFuture<>();
  private boolean resigning;

  private Candidate(Builder b) {
    this.key = b.key;
    this.node = b.node;
    this.backoff = Backoff.exponential(b.retryMin, b.retryMax);
    this.resignPause = b.resignPause;
    LockOptions.Builder lo = LockOptions.builder().value(node);
    if (b.ttl != null) {
      lo.ttl(b.ttl);
    }
    // validates key, TTL and support for ephemeral locks before anything is written
    this.lock = b.store.newLock(key, lo.build());
    this.events = SerialExecutor.on("election " + key, b.executor);
    this.campaign = new Thread(this::run, "libkv-candidate-" + node);
    this.campaign.setDaemon(true);
    this.listener = b.listener;
  }

  /**
   * A builder for a candidate of {@code nodeId} on election {@code key} of {@code store}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if nodeId is empty
   */
  public static Builder builder(Store store, String key, String nodeId) {
    return new Builder(store, key, nodeId);
  }

  /** This candidate's node id. */
  public String node() {
    return node;
  }

  /** The election key. */
  public String key() {
    return lock.key();
  }

  /** The current term if this node leads now. */
  public Optional<Leadership> leadership() {
    synchronized (monitor) {
      return Optional.ofNullable(current);
    }
  }

  /** Whether this node leads now. */
  public boolean isLeader() {
    return leadership().isPresent();
  }

  /**
   * Waits until this node leads, at most {@code timeout}.
   *
   * @return the term, or empty on timeout or when the candidate was closed
   * @throws InterruptedException if interrupted
   */
  public Optional<Leadership> awaitLeadership(Duration timeout) throws InterruptedException {
    synchronized (monitor) {
      Monitors.awaitUntil(monitor, () -> current != null || !running, timeout);
      return Optional.ofNullable(current);
    }
  }

  /**
   * Gives up leadership now (if held) and keeps running: after a short pause, so another candidate
   * can win, this one runs again.
   */
  public void resign() {
    synchronized (monitor) {
      if (current != null) {
        resigning = true;
        stepDown.complete(null);
      }
    }
  }

  private void run() {
    int failures = 0;
    while (running) {
      LockLease lease;
      try {
        lease = lock.lock();
      } catch (InterruptedException e) {
        continue;
      } catch (IllegalStateException e) {
        // the store was closed under us: nothing more to run for
        if (running) {
          report(new KVException("election " + key + " stopped: " + e.getMessage(), e));
        }
        break;
      } catch (KVException e) {
        report(e);
        WatchLoop.pause(backoff.delay(failures++));
        continue;
      }
      failures = 0;
      Leadership term = new Leadership(node, lease.fencingToken());
      CompletableFuture<Void> down;
      synchronized (monitor) {
        current = term;
        down = stepDown;
        monitor.notifyAll();
      }
      events.offer(() -> listener.elected(term));
      try {
        CompletableFuture.anyOf(lease.lost(), down).get();
      } catch (InterruptedException | ExecutionException e) {
        // interrupted by close(): fall through to step down
      }
      boolean resigned;
      synchronized (monitor) {
        current = null;
        resigned = resigning;
        resigning = false;
        stepDown = new CompletableFuture<>();
      }
      events.offer(() -> listener.deposed(term));
      try {
        lease.close();
      } catch (KVException e) {
        report(e);
      }
      if (resigned && running) {
        WatchLoop.pause(resignPause);
      }
    }
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  private void report(KVException e) {
    LOG.log(System.Logger.Level.DEBUG, () -> "election " + key + ": " + e.getMessage());
    events.offer(() -> listener.error(e));
  }

  /** Stops running and releases leadership at once (listeners hear {@code deposed}); idempotent. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    synchronized (monitor) {
      stepDown.complete(null);
    }
    WatchLoop.stopAndJoin(campaign);
    // let queued notifications reach the listener, then end the channel
    CompletableFuture<Void> drained = new CompletableFuture<>();
    events.offer(() -> drained.complete(null));
    try {
      drained.get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      // a stuck listener must not hang close()
    }
    events.close();
  }

  @Override
  public String toString() {
    return "Candidate{" + node + " on " + key + "}";
  }

  /** Builds and starts a {@link Candidate}. */
  public static final class Builder {
    private final Store store;
    private final String key;
    private final String node;
    private @Nullable Duration ttl;
    private LeadershipListener listener =
        new LeadershipListener() {
          @Override
          public void elected(Leadership term) {}

          @Override
          public void deposed(Leadership term) {}
        };
    private Executor executor = Runnable::run;
    private Duration retryMin = Duration.ofMillis(100);
    private Duration retryMax = Duration.ofSeconds(5);
    private Duration resignPause = Duration.ofSeconds(1);

    private Builder(Store store, String key, String node) {
      this.store = Objects.requireNonNull(store, "store");
      this.key = Objects.requireNonNull(key, "key");
      this.node = Objects.requireNonNull(node, "nodeId");
      if (node.isEmpty()) {
        throw new IllegalArgumentException("nodeId must not be empty");
      }
    }

    /**
     * The term's TTL: how long others wait after this leader dies (default: LockOptions' default).
     */
    public Builder ttl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** Who hears elected/deposed, and on what executor (default: the campaign's own thread). */
    public Builder listener(LeadershipListener listener, Executor executor) {
      this.listener = Objects.requireNonNull(listener, "listener");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Backoff after store errors (default 100 ms to 5 s). */
    public Builder retryBackoff(Duration min, Duration max) {
      Backoff.exponential(min, max);
      this.retryMin = min;
      this.retryMax = max;
      return this;
    }

    /** How long a resigned leader waits before running again (default 1 s). */
    public Builder resignPause(Duration pause) {
      if (Objects.requireNonNull(pause, "pause").isNegative()) {
        throw new IllegalArgumentException("resignPause must not be negative");
      }
      this.resignPause = pause;
      return this;
    }

    /**
     * Validates everything and starts running.
     *
     * @throws io.libkv.InvalidKeyException if the key is invalid
     * @throws io.libkv.TtlTooShortException if the TTL is below the backend's ephemeral minimum
     */
    public Candidate start() {
      Candidate c = new Candidate(this);
      c.campaign.start();
      return c;
    }
  }
}
