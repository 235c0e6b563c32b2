package io.libkv.spring.boot;

import io.libkv.KVException;
import io.libkv.Store;
import io.libkv.recipes.election.Candidate;
import io.libkv.recipes.election.Leadership;
import io.libkv.recipes.election.LeadershipListener;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Runs this application for leadership of one election key while the application context runs, and
 * tells its {@link LeaderCallback}s: a {@link SmartLifecycle} around a libkv {@link Candidate}.
 *
 * <p>The auto-configuration makes one from {@code libkv.leader.*}; an application that declares its
 * own bean of this type gets that one instead. It starts running when the context has started
 * (after every other bean is ready) and, when the context stops or closes, first thing, it releases
 * leadership at once so another node can take over, and the callbacks hear {@code deposed}.
 */
public final class LeaderElection implements SmartLifecycle {
  private static final System.Logger LOG = System.getLogger("io.libkv.spring.boot");

  private final Store store;
  private final String key;
  private final String nodeId;
  private final @Nullable Duration ttl;
  private final List<LeaderCallback> callbacks;
  private final Object lock = new Object();
  private @Nullable Candidate candidate;
  private @Nullable ExecutorService events;

  private LeaderElection(Builder b) {
    this.store = b.store;
    this.key = b.key;
    this.nodeId = b.nodeId;
    this.ttl = b.ttl;
    this.callbacks = List.copyOf(b.callbacks);
  }

  /**
   * A builder for the election of {@code key} on {@code store}, this node being {@code nodeId}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if key or nodeId is empty
   */
  public static Builder builder(Store store, String key, String nodeId) {
    return new Builder(store, key, nodeId);
  }

  /** The election key. */
  public String key() {
    return key;
  }

  /** This node's id. */
  public String nodeId() {
    return nodeId;
  }

  /** The current term if this node leads now. */
  public Optional<Leadership> leadership() {
    Candidate c = current();
    return c == null ? Optional.empty() : c.leadership();
  }

  /** Whether this node leads now. */
  public boolean isLeader() {
    return leadership().isPresent();
  }

  /**
   * Gives up leadership now, if held, and keeps running: another node can win, and this one may win
   * again later.
   */
  public void resign() {
    Candidate c = current();
    if (c != null) {
      c.resign();
    }
  }

  private @Nullable Candidate current() {
    synchronized (lock) {
      return candidate;
    }
  }

  /**
   * Starts running for leadership.
   *
   * @throws io.libkv.InvalidKeyException if the key is invalid
   * @throws io.libkv.TtlTooShortException if the TTL is below the backend's minimum
   */
  @Override
  public void start() {
    synchronized (lock) {
      if (candidate != null) {
        return;
      }
      // callbacks run on their own thread: a slow one must not hold up the campaign
      ExecutorService ex =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "libkv-leader-" + nodeId);
                t.setDaemon(true);
                return t;
              });
      Candidate.Builder b =
          Candidate.builder(store, key, nodeId).listener(new Dispatch(callbacks), ex);
      if (ttl != null) {
        b.ttl(ttl);
      }
      try {
        candidate = b.start();
      } catch (RuntimeException e) {
        ex.shutdownNow();
        throw e;
      }
      events = ex;
    }
  }

  /** Releases leadership at once (the callbacks hear {@code deposed}) and stops running. */
  @Override
  public void stop() {
    Candidate c;
    ExecutorService ex;
    synchronized (lock) {
      c = candidate;
      ex = events;
      candidate = null;
      events = null;
    }
    if (c != null) {
      // close() waits for the callbacks to hear deposed
      c.close();
    }
    if (ex != null) {
      ex.shutdown();
      try {
        if (!ex.awaitTermination(5, TimeUnit.SECONDS)) {
          ex.shutdownNow();
        }
      } catch (InterruptedException e) {
        ex.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return current() != null;
  }

  @Override
  public String toString() {
    return "LeaderElection{" + nodeId + " on " + key + "}";
  }

  /** Passes a candidate's events on to every callback; one failing does not keep the others. */
  private static final class Dispatch implements LeadershipListener {
    private final List<LeaderCallback> callbacks;

    Dispatch(List<LeaderCallback> callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public void elected(Leadership term) {
      each("elected", c -> c.elected(term));
    }

    @Override
    public void deposed(Leadership term) {
      each("deposed", c -> c.deposed(term));
    }

    private void each(String event, Consumer<LeaderCallback> call) {
      for (LeaderCallback c : callbacks) {
        try {
          call.accept(c);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "leader callback " + c + " failed on " + event, e);
        }
      }
    }

    @Override
    public void error(KVException error) {
      LOG.log(System.Logger.Level.WARNING, "leader election: " + error.getMessage());
    }
  }

  /** Builds a {@link LeaderElection}. */
  public static final class Builder {
    private final Store store;
    private final String key;
    private final String nodeId;
    private @Nullable Duration ttl;
    private final java.util.ArrayList<LeaderCallback> callbacks = new java.util.ArrayList<>();

    private Builder(Store store, String key, String nodeId) {
      this.store = Objects.requireNonNull(store, "store");
      this.key = Objects.requireNonNull(key, "key");
      this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
      if (key.isEmpty()) {
        throw new IllegalArgumentException("key must not be empty");
      }
      if (nodeId.isEmpty()) {
        throw new IllegalArgumentException("nodeId must not be empty");
      }
    }

    /** The term's TTL: how long others wait after this leader dies (default: libkv's lock TTL). */
    public Builder ttl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** Adds a callback. */
    public Builder callback(LeaderCallback callback) {
      callbacks.add(Objects.requireNonNull(callback, "callback"));
      return this;
    }

    /** The election, not yet running: the application context starts it. */
    public LeaderElection build() {
      return new LeaderElection(this);
    }
  }
}
