package io.libkv.recipes.discovery;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.TreeEvent;
import io.libkv.recipes.internal.Monitors;
import io.libkv.recipes.internal.WatchLoop;
import io.libkv.util.SerialExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Watches a service's members: delivers the full current set, plus what was added, removed or
 * changed, on every change. Survives store errors by watching again after a backoff (the state is
 * re-read and diffed, so nothing is reported twice or lost). Keys below the service that are not
 * member records ({@code SERVICE/ID} holding {@code {"id","address","meta"}}) are ignored.
 */
public final class ServiceMembers implements AutoCloseable {
  private final String service;
  private final Consumer<MembershipChange> listener;
  private final Consumer<KVException> errors;
  private final SerialExecutor events;
  private final WatchLoop<TreeEvent> loop;
  private final Object monitor = new Object();
  private volatile boolean running = true;
  private SortedMap<String, Member> members = new TreeMap<>();
  private boolean known;

  private ServiceMembers(
      Store store,
      String service,
      Consumer<MembershipChange> listener,
      Consumer<KVException> errors,
      Executor executor) {
    this.service = service;
    this.listener = listener;
    this.errors = errors;
    this.events = SerialExecutor.on("members of " + service, executor);
    this.loop =
        new WatchLoop<>(
            "libkv-members-" + service,
            () -> store.watchTree(service),
            e -> apply(e.pairs()),
            this::report);
  }

  /**
   * Starts watching {@code service}; {@code listener} hears each change on {@code executor}, in
   * order, starting with the set as it is now.
   *
   * @throws io.libkv.InvalidKeyException if the service name is not a valid key
   */
  public static ServiceMembers watch(
      Store store, String service, Consumer<MembershipChange> listener, Executor executor) {
    return watch(store, service, listener, e -> {}, executor);
  }

  /** The same, with a listener for the store errors it recovers from. */
  public static ServiceMembers watch(
      Store store,
      String service,
      Consumer<MembershipChange> listener,
      Consumer<KVException> errors,
      Executor executor) {
    Objects.requireNonNull(store, "store");
    String s = Keys.canonicalKey(Objects.requireNonNull(service, "service"));
    ServiceMembers m =
        new ServiceMembers(
            store,
            s,
            Objects.requireNonNull(listener, "listener"),
            Objects.requireNonNull(errors, "errors"),
            Objects.requireNonNull(executor, "executor"));
    m.loop.start();
    return m;
  }

  /** The members as last seen, by id. */
  public SortedMap<String, Member> members() {
    synchronized (monitor) {
      return java.util.Collections.unmodifiableSortedMap(new TreeMap<>(members));
    }
  }

  /**
   * Waits until the first state has been read, at most {@code timeout}.
   *
   * @return whether it was read
   * @throws InterruptedException if interrupted
   */
  public boolean awaitInitialized(Duration timeout) throws InterruptedException {
    synchronized (monitor) {
      Monitors.awaitUntil(monitor, () -> known || !running, timeout);
      return known;
    }
  }

  private void apply(List<KVPair> pairs) {
    SortedMap<String, Member> now = new TreeMap<>();
    String prefix = service + "/";
    for (KVPair p : pairs) {
      String id = p.key().substring(prefix.length());
      if (id.contains("/")) {
        continue;
      }
      Member.parse(id, p.value()).ifPresent(m -> now.put(id, m));
    }
    List<Member> added = new ArrayList<>();
    List<Member> removed = new ArrayList<>();
    List<Member> changed = new ArrayList<>();
    boolean first;
    synchronized (monitor) {
      for (Map.Entry<String, Member> e : now.entrySet()) {
        Member old = members.get(e.getKey());
        if (old == null) {
          added.add(e.getValue());
        } else if (!old.equals(e.getValue())) {
          changed.add(e.getValue());
        }
      }
      for (Map.Entry<String, Member> e : members.entrySet()) {
        if (!now.containsKey(e.getKey())) {
          removed.add(e.getValue());
        }
      }
      first = !known;
      if (!first && added.isEmpty() && removed.isEmpty() && changed.isEmpty()) {
        return;
      }
      members = now;
      known = true;
      monitor.notifyAll();
    }
    MembershipChange c = new MembershipChange(now, added, removed, changed);
    events.offer(() -> listener.accept(c));
  }

  private void report(KVException e) {
    events.offer(() -> errors.accept(e));
  }

  /** Stops watching; idempotent. */
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
