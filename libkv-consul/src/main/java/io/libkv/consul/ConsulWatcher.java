package io.libkv.consul;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.spi.Backoff;
import io.libkv.spi.EventChannel;
import io.libkv.spi.WatchHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Every watch of a store, fed by one outstanding blocking query: a recursive {@code GET} of the
 * store's prefix with {@code ?index=N&wait=...}. Each answer is compared with the previous one and
 * the differences (puts and deletes, which Go's libkv dropped) are published to the store's
 * {@link WatchHub}, which fans them out to key and tree watchers.
 *
 * <p>After a failed request the next one is a plain read (not blocking), so an index that went
 * backwards (a restarted in-memory agent) is seen at once: as Consul's documentation says, the
 * index is then reset, and the watchers get {@code RESET} with the state read. (An index that went
 * backwards over an unchanged state — tombstones reaped — is adopted silently.) The query runs
 * only while a watch is open; closing the last one cancels the request in flight.
 */
final class ConsulWatcher {
  private static final System.Logger LOG = System.getLogger("io.libkv.consul.watch");

  private final ConsulStore store;
  private final ConsulClient client;
  private final String root;
  private final String listPath;
  private final Duration wait;
  private final WatchHub hub = new WatchHub();
  private final Backoff backoff = Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(5));

  // guarded by this
  private Map<String, KVPair> known = new HashMap<>();
  private long index;
  private boolean running;
  private boolean closed;
  private boolean resync;
  private int failures;
  private CompletableFuture<?> inFlight;
  private long requests;

  ConsulWatcher(ConsulStore store, ConsulClient client, String root, Duration wait) {
    this.store = store;
    this.client = client;
    this.root = root;
    this.listPath = "/v1/kv/" + ConsulClient.encodePath(root);
    this.wait = wait;
  }

  /** Blocking-query requests sent so far (for tests). */
  synchronized long requests() {
    return requests;
  }

  /** Whether the blocking query runs. */
  synchronized boolean running() {
    return running;
  }

  // ---- starting watches: attach, make sure the loop has a baseline, read, start

  void watchKey(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    WatchHub.KeyWatcher w = hub.attachKey(key, channel);
    channel.done().whenComplete((v, e) -> maybeStop());
    ensureRunning(key);
    ConsulClient.Reply r = store.read(key);
    KVPair current = r.status == 200 ? pairOf(key, Wire.entries(r.body).get(0)) : null;
    long at = Math.max(1, r.index);
    if (options.startIndex().isEmpty()) {
      w.start(current, at);
      return;
    }
    long from = options.startIndex().getAsLong();
    if (Math.max(at, loopIndex()) < from) {
      w.restart(EventType.RESET, current, at); // the store's history restarted below the index asked for
    } else if (current != null && current.lastIndex() > from) {
      w.startResumed(List.of(WatchHub.Change.put(current)), from, at);
    } else if (current == null && at > from) {
      w.restart(EventType.RESYNC, null, at); // it may have been deleted since: Consul keeps no history
    } else {
      w.startResumed(List.of(), from, from);
    }
  }

  void watchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    WatchHub.TreeWatcher w = hub.attachTree(dir, channel);
    channel.done().whenComplete((v, e) -> maybeStop());
    ensureRunning(dir);
    ConsulClient.Reply r = store.readTree(root + (dir.isEmpty() ? "" : dir + "/"), dir);
    List<KVPair> pairs = r.status == 200 ? sorted(store.pairs(Wire.entries(r.body))) : List.of();
    long at = Math.max(1, r.index);
    if (options.startIndex().isEmpty()) {
      w.start(pairs, at);
      return;
    }
    long from = options.startIndex().getAsLong();
    if (Math.max(at, loopIndex()) < from) {
      w.restart(EventType.RESET, pairs, at);
    } else if (at > from) {
      w.restart(EventType.RESYNC, pairs, at); // deletes since then are not knowable from Consul
    } else {
      w.startResumed(pairs, List.of(), from, from);
    }
  }

  private KVPair pairOf(String key, Wire.Entry e) {
    return KVPair.ofOwned(key, e.value, e.modifyIndex);
  }

  private static List<KVPair> sorted(Map<String, KVPair> m) {
    List<KVPair> l = new ArrayList<>(m.values());
    l.sort(Comparator.comparing(KVPair::key, Keys.UTF8_ORDER));
    return l;
  }

  private synchronized long loopIndex() {
    return index;
  }

  /**
   * Starts the blocking query if it does not run, with a baseline read first (in the caller's
   * thread): the loop must know the state before a watcher reads its own, or a change between the
   * two would be lost.
   */
  private void ensureRunning(String key) {
    synchronized (this) {
      if (running || closed) {
        return;
      }
    }
    ConsulClient.Reply r = store.readTree(root, key);
    Map<String, KVPair> base = r.status == 200 ? store.pairs(Wire.entries(r.body)) : Map.of();
    synchronized (this) {
      if (running || closed) {
        return;
      }
      known = new HashMap<>(base);
      index = Math.max(1, r.index);
      running = true;
      resync = false;
      failures = 0;
      issue();
    }
  }

  private void maybeStop() {
    synchronized (this) {
      if (running && hub.isEmpty()) {
        stopLocked();
      }
    }
  }

  private void stopLocked() {
    running = false;
    known = new HashMap<>();
    index = 0;
    if (inFlight != null) {
      inFlight.cancel(true); // aborts the HTTP exchange: closing does not wait for the blocking wait
      inFlight = null;
    }
  }

  synchronized void close() {
    closed = true;
    stopLocked();
  }

  // ---- the loop

  private void issue() {
    long requested = index;
    boolean plain = resync;
    String query = plain ? "recurse" : "recurse&index=" + requested + "&wait=" + wait.toMillis() + "ms";
    Duration timeout = plain ? client.timeout() : wait.plus(wait.dividedBy(16)).plus(client.timeout());
    long started = System.nanoTime();
    requests++;
    CompletableFuture<ConsulClient.Reply> f = client.callAsync(listPath, query, timeout);
    inFlight = f;
    try {
      f.whenCompleteAsync((r, e) -> onReply(f, r, e, requested, plain, started), store.executor);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      f.cancel(true);
    }
  }

  private void onReply(CompletableFuture<?> f, ConsulClient.Reply r, Throwable error, long requested, boolean plain,
      long started) {
    synchronized (this) {
      if (!running || inFlight != f) {
        return;
      }
      if (hub.isEmpty()) {
        stopLocked();
        return;
      }
    }
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      LOG.log(System.Logger.Level.DEBUG, () -> "watch query on " + store.description() + " failed: " + cause);
      retryLater();
      return;
    }
    if (r.status == 403) {
      KVException e = store.failure(r, null);
      synchronized (this) {
        stopLocked();
      }
      hub.failAll(e);
      return;
    }
    if (r.status != 200 && r.status != 404) {
      retryLater();
      return;
    }
    Map<String, KVPair> now = r.status == 200 ? store.pairs(Wire.entries(r.body)) : Map.of();
    long newIndex = Math.max(1, r.index); // Consul: an index of 0 is a bug, 1 is always safe
    apply(now, newIndex);
    synchronized (this) {
      if (!running) {
        return;
      }
      failures = 0;
      resync = false;
      long elapsed = System.nanoTime() - started;
      if (!plain && newIndex <= requested && elapsed < wait.toNanos() / 2) {
        // the agent answered early without a change: do not let a misbehaving agent make this a busy loop
        scheduleLocked(backoff.delay(1));
      } else {
        issue();
      }
    }
  }

  private void retryLater() {
    synchronized (this) {
      if (!running) {
        return;
      }
      failures++;
      resync = true; // the next request reads at once, so a reset index is seen without waiting
      scheduleLocked(backoff.delay(failures));
    }
  }

  private void scheduleLocked(Duration delay) {
    CompletableFuture<Void> timer = new CompletableFuture<>();
    inFlight = timer;
    CompletableFuture.delayedExecutor(Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS).execute(() -> {
      synchronized (this) {
        if (running && inFlight == timer) {
          issue();
        }
      }
    });
  }

  /** Publishes what changed between the last state and {@code now}, or a RESET when the index went back. */
  private synchronized void apply(Map<String, KVPair> now, long newIndex) {
    if (!running) {
      return;
    }
    if (newIndex < index) {
      if (now.equals(known)) {
        index = newIndex; // tombstones reaped: the same state at a lower index
        return;
      }
      // the agent's history restarted (an in-memory agent restarted, a snapshot restored)
      known = new HashMap<>(now);
      index = newIndex;
      for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
        w.restart(EventType.RESET, now.get(w.key()), newIndex);
      }
      for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
        List<KVPair> below = new ArrayList<>();
        for (KVPair p : now.values()) {
          if (w.directory().isEmpty() || Keys.isBelow(p.key(), w.directory())) {
            below.add(p);
          }
        }
        below.sort(Comparator.comparing(KVPair::key, Keys.UTF8_ORDER));
        w.restart(EventType.RESET, below, newIndex);
      }
      return;
    }
    List<WatchHub.Change> changes = new ArrayList<>();
    for (Map.Entry<String, KVPair> e : now.entrySet()) {
      KVPair old = known.get(e.getKey());
      if (old == null || old.lastIndex() != e.getValue().lastIndex()) {
        changes.add(WatchHub.Change.put(e.getValue()));
      }
    }
    for (String k : known.keySet()) {
      if (!now.containsKey(k)) {
        // Consul does not say when a key went: it went by this answer's index
        changes.add(WatchHub.Change.delete(k, newIndex));
      }
    }
    known = new HashMap<>(now);
    index = newIndex;
    if (changes.isEmpty()) {
      return;
    }
    changes.sort(Comparator.comparingLong(WatchHub.Change::index));
    // one batch per index: the changes of one write (a transaction, a deleteTree) arrive as one
    int from = 0;
    for (int i = 1; i <= changes.size(); i++) {
      if (i == changes.size() || changes.get(i).index() != changes.get(from).index()) {
        hub.publishAll(new ArrayList<>(changes.subList(from, i)));
        from = i;
      }
    }
  }
}
