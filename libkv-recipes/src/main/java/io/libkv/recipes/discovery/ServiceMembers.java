package io.libkv.recipes.discovery;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.spi.Backoff;
import io.libkv.spi.Coalescers;
import io.libkv.spi.EventChannel;
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
  private final Store store;
  private final String service;
  private final Consumer<MembershipChange> listener;
  private final Consumer<KVException> errors;
  private final EventChannel<Runnable> events;
  private final Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(5));
  private final Thread thread;
  private final Object monitor = new Object();
  private volatile boolean running = true;
  private Watch<TreeEvent> watch;
  private SortedMap<String, Member> members = new TreeMap<>();
  private boolean known;

  private ServiceMembers(Store store, String service, Consumer<MembershipChange> listener,
      Consumer<KVException> errors, Executor executor) {
    this.store = store;
    this.service = service;
    this.listener = listener;
    this.errors = errors;
    this.events = EventChannel.listening("members of " + service, Integer.MAX_VALUE, Coalescers.latest(),
        Runnable::run, executor);
    this.thread = new Thread(this::run, "libkv-members-" + service);
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching {@code service}; {@code listener} hears each change on {@code executor}, in
   * order, starting with the set as it is now.
   *
   * @throws io.libkv.InvalidKeyException if the service name is not a valid key
   */
  public static ServiceMembers watch(Store store, String service, Consumer<MembershipChange> listener,
      Executor executor) {
    return watch(store, service, listener, e -> {}, executor);
  }

  /** The same, with a listener for the store errors it recovers from. */
  public static ServiceMembers watch(Store store, String service, Consumer<MembershipChange> listener,
      Consumer<KVException> errors, Executor executor) {
    Objects.requireNonNull(store, "store");
    String s = Keys.canonicalKey(Objects.requireNonNull(service, "service"));
    ServiceMembers m = new ServiceMembers(store, s, Objects.requireNonNull(listener, "listener"),
        Objects.requireNonNull(errors, "errors"), Objects.requireNonNull(executor, "executor"));
    m.thread.start();
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
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!known && running) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        monitor.wait(left / 1_000_000, (int) (left % 1_000_000));
      }
      return known;
    }
  }

  private void run() {
    int failures = 0;
    while (running) {
      Watch<TreeEvent> w;
      try {
        w = store.watchTree(service);
      } catch (IllegalStateException e) {
        break;
      } catch (KVException e) {
        report(e);
        sleep(backoff.delay(failures++));
        continue;
      }
      synchronized (monitor) {
        if (!running) {
          w.close();
          break;
        }
        watch = w;
      }
      try {
        for (TreeEvent e : w) {
          failures = 0;
          apply(e.pairs());
        }
      } catch (KVException e) {
        report(e);
        sleep(backoff.delay(failures++));
      } finally {
        w.close();
      }
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

  private void sleep(Duration d) {
    try {
      Thread.sleep(Math.max(1, d.toMillis()));
    } catch (InterruptedException e) {
      // close() interrupts
    }
  }

  /** Stops watching; idempotent. */
  @Override
  public void close() {
    Watch<TreeEvent> w;
    synchronized (monitor) {
      if (!running) {
        return;
      }
      running = false;
      w = watch;
      monitor.notifyAll();
    }
    if (w != null) {
      w.close();
    }
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.close();
  }
}
