package io.libkv.recipes.election;

import io.libkv.KVException;
import io.libkv.KeyEvent;
import io.libkv.Store;
import io.libkv.recipes.internal.Monitors;
import io.libkv.recipes.internal.WatchLoop;
import io.libkv.util.SerialExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Follows an election: reports the current leader (or that there is none) as it changes.
 *
 * <p>It watches the election key; when the watch fails (a store error, a lost connection) it
 * reports the error and watches again after a backoff, so it never hangs on a dead watch. The first
 * report is the state when it starts.
 */
public final class Follower implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.libkv.recipes.election");

  private final String key;
  private final WatchLoop<KeyEvent> loop;
  private final SerialExecutor events;
  private final Consumer<Optional<String>> listener;
  private final Consumer<KVException> errors;
  private final Object monitor = new Object();
  private volatile boolean running = true;
  private Optional<String> leader = Optional.empty();
  private boolean known;

  private Follower(
      Store store,
      String key,
      Consumer<Optional<String>> listener,
      Consumer<KVException> errors,
      Executor executor) {
    this.key = key;
    this.listener = listener;
    this.errors = errors;
    this.events = SerialExecutor.on("follower " + key, executor);
    this.loop =
        new WatchLoop<>(
            "libkv-follower",
            () -> store.watch(key),
            e -> update(e.pair().map(p -> new String(p.value(), StandardCharsets.UTF_8))),
            this::report);
  }

  /**
   * Starts following election {@code key}; {@code listener} hears each change of leader on {@code
   * executor}, in order, starting with the current one.
   *
   * @throws io.libkv.InvalidKeyException if the key is invalid
   */
  public static Follower start(
      Store store, String key, Consumer<Optional<String>> listener, Executor executor) {
    return start(store, key, listener, e -> {}, executor);
  }

  /** The same, with a listener for the store errors it recovers from. */
  public static Follower start(
      Store store,
      String key,
      Consumer<Optional<String>> listener,
      Consumer<KVException> errors,
      Executor executor) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(key, "key");
    Follower f =
        new Follower(
            store,
            key,
            Objects.requireNonNull(listener, "listener"),
            Objects.requireNonNull(errors, "errors"),
            Objects.requireNonNull(executor, "executor"));
    // validate the key in the caller's thread
    store.watch(key).close();
    f.loop.start();
    return f;
  }

  /** The leader's node id as last seen; empty when there is none (or before the first read). */
  public Optional<String> leader() {
    synchronized (monitor) {
      return leader;
    }
  }

  /**
   * Waits until a leader is known, at most {@code timeout}.
   *
   * @throws InterruptedException if interrupted
   */
  public Optional<String> awaitLeader(Duration timeout) throws InterruptedException {
    synchronized (monitor) {
      Monitors.awaitUntil(monitor, () -> leader.isPresent() || !running, timeout);
      return leader;
    }
  }

  private void update(Optional<String> now) {
    synchronized (monitor) {
      if (known && now.equals(leader)) {
        return;
      }
      known = true;
      leader = now;
      monitor.notifyAll();
    }
    events.offer(() -> listener.accept(now));
  }

  private void report(KVException e) {
    LOG.log(System.Logger.Level.DEBUG, () -> "following " + key + ": " + e.getMessage());
    events.offer(() -> errors.accept(e));
  }

  /** Stops following; idempotent. */
  @Override
  public void close() {
    synchronized (monitor) {
      if (!running) {
        return;
      }
      running = false;
      monitor.notifyAll();
    }
    loop.close();
    events.close();
  }
}
