package io.libkv.consul.internal;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.spi.EventChannel;
import io.libkv.spi.WatchHub;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Every watch of a store, fed by one outstanding blocking query: a recursive {@code GET} of the
 * store's prefix with {@code ?index=N&wait=...}. Each answer is compared with the previous state
 * and the differences (puts and deletes, which Go's libkv dropped) are published to a {@link
 * WatchHub}, which fans them out to key and tree watchers, and kept in a bounded history, so a
 * watch resumed from an index the store has seen replays what happened since.
 *
 * <p>The query starts with the store's first watch and runs until the store closes (closing it
 * cancels the request in flight: nothing waits for the blocking wait). Starting a watch reads the
 * prefix afresh and brings the loop's state up to date first, so a watch sees the store's own
 * writes, and its first event and the loop's later ones come from one sequence: no gap, no
 * duplicate.
 *
 * <p>After a failed request the next one is a plain read (not blocking), so an index that went
 * backwards (a restarted in-memory agent) is seen at once: as Consul's documentation says, the
 * index is then reset, and the watchers get {@code RESET} with the state read. An index that went
 * backwards over an unchanged state (tombstones reaped) is adopted silently.
 */
final class ConsulWatcher {
  /** The reads a watcher makes through its store, and the store's reading of answers. */
  interface Reads {
    /** A non-blocking recursive read below a full prefix (404 counts as empty). */
    ConsulClient.Reply readTree(String fullPrefix, String key);

    /** The pairs of a recursive listing, by user key. */
    Map<String, KVPair> pairs(List<Wire.Entry> entries);

    /** The exception for an answer that is not what the operation expects. */
    KVException failure(ConsulClient.Reply r, @Nullable String key);
  }

  private static final System.Logger LOG = System.getLogger("io.libkv.consul.watch");

  /** Changes kept for resumed watches. */
  static final int HISTORY = 10_000;

  private final Reads reads;
  private final String description;
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
  private @Nullable CompletableFuture<?> inFlight;
  private long requests;

  /** Changes after {@link #floor}, in order; {@link #floorState} is the state at the floor. */
  private final ArrayDeque<WatchHub.Change> history = new ArrayDeque<>();

  private long floor;
  private Map<String, KVPair> floorState = new HashMap<>();

  ConsulWatcher(Reads reads, String description, ConsulClient client, String root, Duration wait) {
    this.reads = reads;
    this.description = description;
    this.client = client;
    this.root = root;
    this.listPath = "/v1/kv/" + ConsulClient.encodePath(root);
    this.wait = wait;
  }

  /** Blocking-query requests sent so far (for tests). */
  synchronized long requests() {
    return requests;
  }

  /** How many watches are attached (for leak checks). */
  int watcherCount() {
    return hub.watcherCount();
  }

  /** Whether the blocking query runs. */
  synchronized boolean running() {
    return running;
  }

  // ---- starting watches: read afresh, bring the loop up to date, attach and start from its state

  private ConsulClient.Reply fresh(String key) {
    return reads.readTree(root, key);
  }

  void watchKey(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    ConsulClient.Reply r = fresh(key);
    synchronized (this) {
      sync(r);
      WatchHub.KeyWatcher w = hub.attachKey(key, channel);
      KVPair current = known.get(key);
      if (options.startIndex().isEmpty()) {
        w.start(current, index);
        return;
      }
      long from = options.startIndex().getAsLong();
      if (index < from) {
        w.restart(
            EventType.RESET,
            current,
            index); // the store's history restarted below the index asked for
      } else if (from >= floor) {
        w.startResumed(since(from, key::equals), from, index);
      } else {
        KVPair atFloor = floorState.get(key);
        if (atFloor != null && atFloor.lastIndex() <= from) {
          w.startResumed(
              since(from, key::equals), from, index); // unchanged from `from` to the floor
        } else if (current != null && current.lastIndex() <= from) {
          w.startResumed(List.of(), from, index);
        } else {
          w.restart(
              EventType.RESYNC, current, index); // Consul keeps no history before this store's
        }
      }
    }
  }

  void watchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    ConsulClient.Reply r = fresh(dir);
    synchronized (this) {
      sync(r);
      WatchHub.TreeWatcher w = hub.attachTree(dir, channel);
      List<KVPair> pairs = below(known, dir);
      if (options.startIndex().isEmpty()) {
        w.start(pairs, index);
        return;
      }
      long from = options.startIndex().getAsLong();
      java.util.function.Predicate<String> inDir = k -> dir.isEmpty() || Keys.isBelow(k, dir);
      if (index < from) {
        w.restart(EventType.RESET, pairs, index);
      } else if (from >= floor) {
        w.startResumed(pairs, since(from, inDir), from, index);
      } else if (index <= from) {
        w.startResumed(pairs, List.of(), from, index);
      } else {
        w.restart(EventType.RESYNC, pairs, index);
      }
    }
  }

  /** The recorded changes after {@code from} of the keys {@code which} accepts. Holds the lock. */
  private List<WatchHub.Change> since(long from, java.util.function.Predicate<String> which) {
    List<WatchHub.Change> out = new ArrayList<>();
    for (WatchHub.Change c : history) {
      if (c.index() > from && which.test(c.key())) {
        out.add(c);
      }
    }
    return out;
  }

  private static List<KVPair> below(Map<String, KVPair> state, String dir) {
    List<KVPair> out = new ArrayList<>();
    for (KVPair p : state.values()) {
      if (dir.isEmpty() || Keys.isBelow(p.key(), dir)) {
        out.add(p);
      }
    }
    out.sort(Comparator.comparing(KVPair::key, Keys.UTF8_ORDER));
    return out;
  }

  /**
   * Brings the loop up to date with a fresh read, starting it if it does not run. Holds the lock.
   */
  private void sync(ConsulClient.Reply r) {
    if (closed) {
      throw new IllegalStateException("store " + description + " is closed");
    }
    Map<String, KVPair> now = r.status == 200 ? reads.pairs(Wire.entries(r.body)) : Map.of();
    long at = Math.max(1, r.index);
    if (!running) {
      known = new HashMap<>(now);
      index = at;
      floor = at;
      floorState = new HashMap<>(now);
      history.clear();
      running = true;
      resync = false;
      failures = 0;
      issue();
      return;
    }
    if (at < index) {
      // older than the loop's state: either this read raced an answer the loop took in meanwhile
      // (the loop's state is the newer one, and includes it), or the agent's history restarted;
      // a plain read by the loop tells which, and delivers RESET in the second case
      observe(at);
      return;
    }
    apply(now, at, index);
  }

  private void stopLocked() {
    running = false;
    if (inFlight != null) {
      inFlight.cancel(
          true); // aborts the HTTP exchange: closing does not wait for the blocking wait
      inFlight = null;
    }
  }

  /**
   * An index the store saw elsewhere (a write's result, the table index of a missing key's read)
   * that is below the loop's: the agent's history restarted. The blocking query in flight would
   * only notice when its wait ends (the agent holds a query whose index is ahead of it, and the
   * HTTP client silently re-sends a read whose connection dropped), so read again now.
   */
  synchronized void observe(long storeIndex) {
    if (running && storeIndex > 0 && storeIndex < index && !resync) {
      if (inFlight != null) {
        inFlight.cancel(true);
      }
      resync = true;
      issue();
    }
  }

  /**
   * Forgets the recorded changes, as if the history window had passed them: watches resumed from an
   * earlier index re-read the state (RESYNC). For tests of that path.
   */
  synchronized void forgetHistory() {
    history.clear();
    floor = index;
    floorState = new HashMap<>(known);
  }

  synchronized void close() {
    closed = true;
    stopLocked();
  }

  // ---- the loop

  private void issue() {
    long requested = index;
    boolean plain = resync;
    String query =
        plain ? "recurse" : "recurse&index=" + requested + "&wait=" + wait.toMillis() + "ms";
    Duration timeout =
        plain ? client.timeout() : wait.plus(wait.dividedBy(16)).plus(client.timeout());
    long started = System.nanoTime();
    requests++;
    CompletableFuture<ConsulClient.Reply> f = client.callAsync(listPath, query, timeout);
    inFlight = f;
    // onReply never blocks (it parses, publishes to channels that never block, and sends the next
    // request asynchronously), so it runs on the HTTP client's own threads
    f.whenComplete((r, e) -> onReply(f, r, e, requested, plain, started));
  }

  private void onReply(
      CompletableFuture<?> f,
      ConsulClient.Reply r,
      Throwable error,
      long requested,
      boolean plain,
      long started) {
    synchronized (this) {
      if (!running || inFlight != f) {
        return;
      }
    }
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      LOG.log(
          System.Logger.Level.DEBUG, () -> "watch query on " + description + " failed: " + cause);
      retryLater();
      return;
    }
    if (r.status == 403) {
      KVException e = reads.failure(r, null);
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
    Map<String, KVPair> now = r.status == 200 ? reads.pairs(Wire.entries(r.body)) : Map.of();
    long newIndex = Math.max(1, r.index); // Consul: an index of 0 is a bug, 1 is always safe
    synchronized (this) {
      if (!running || inFlight != f) {
        return;
      }
      apply(now, newIndex, requested);
      failures = 0;
      resync = false;
      long elapsed = System.nanoTime() - started;
      if (!plain && newIndex <= requested && elapsed < wait.toNanos() / 2) {
        // the agent answered early without a change: do not let a misbehaving agent make this a
        // busy loop
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
    CompletableFuture.delayedExecutor(Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              synchronized (this) {
                if (running && inFlight == timer) {
                  issue();
                }
              }
            });
  }

  /**
   * Takes an answer in: publishes and records what changed since the last state, or delivers {@code
   * RESET} when the index went below the one the request carried (Consul's rule for a restarted
   * agent). An answer older than the state already known is ignored. Holds the lock.
   *
   * @param requested the index the request carried (the current index for a fresh read)
   */
  private void apply(Map<String, KVPair> now, long newIndex, long requested) {
    // the same index over another state: a restarted agent's history has reached the old index
    boolean sameIndexOtherState = newIndex == index && !now.equals(known);
    if (newIndex < requested || sameIndexOtherState) {
      if (!now.equals(known)) {
        // the agent's history restarted (an in-memory agent restarted, a snapshot restored)
        known = new HashMap<>(now);
        for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
          w.restart(EventType.RESET, now.get(w.key()), newIndex);
        }
        for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
          w.restart(EventType.RESET, below(now, w.directory()), newIndex);
        }
      }
      // otherwise tombstones were reaped: the same state at a lower index. Either way the history
      // recorded so far is not comparable with what follows.
      index = newIndex;
      floor = newIndex;
      floorState = new HashMap<>(known);
      history.clear();
      return;
    }
    if (newIndex <= index) {
      return; // an answer no newer than what a fresh read already brought
    }
    List<WatchHub.Change> changes = new ArrayList<>();
    // deletes before puts: a transaction that does both is a PUT event, as the stores applying
    // in process publish it (an event's type is its last change's)
    for (String k : known.keySet()) {
      if (!now.containsKey(k)) {
        // Consul does not say when a key went: it went by this answer's index
        changes.add(WatchHub.Change.delete(k, newIndex));
      }
    }
    for (Map.Entry<String, KVPair> e : now.entrySet()) {
      KVPair old = known.get(e.getKey());
      if (old == null || old.lastIndex() != e.getValue().lastIndex()) {
        changes.add(WatchHub.Change.put(e.getValue()));
      }
    }
    known = new HashMap<>(now);
    index = newIndex;
    if (changes.isEmpty()) {
      return;
    }
    changes.sort(Comparator.comparingLong(WatchHub.Change::index));
    record(changes);
    // one batch per index: the changes of one write (a transaction, a deleteTree) arrive as one
    int from = 0;
    for (int i = 1; i <= changes.size(); i++) {
      if (i == changes.size() || changes.get(i).index() != changes.get(from).index()) {
        hub.publishAll(new ArrayList<>(changes.subList(from, i)));
        from = i;
      }
    }
  }

  /** Appends to the history, moving the floor up past the oldest changes when it is full. */
  private void record(List<WatchHub.Change> changes) {
    history.addAll(changes);
    while (history.size() > HISTORY) {
      long drop = history.peekFirst().index();
      while (!history.isEmpty() && history.peekFirst().index() == drop) {
        WatchHub.Change c = history.pollFirst();
        if (c.type() == EventType.PUT) {
          floorState.put(c.key(), c.pair().orElseThrow());
        } else {
          floorState.remove(c.key());
        }
      }
      floor = drop;
    }
  }
}
