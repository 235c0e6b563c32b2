package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.Keys;
import io.libkv.StoreUnavailableException;
import io.libkv.spi.WatchHub;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The store's one etcd watch, on its whole prefix, fanned out to every key and tree watch through
 * core's {@link WatchHub} (a gRPC stream per user watcher would not scale). Started on the first
 * watch or lock wait.
 *
 * <p>Everything runs on one dispatch thread, in revision order. After a failure the watch is opened
 * again from the last revision it published (nothing lost, nothing twice); if etcd compacted that
 * revision away, every watcher re-reads its state at one revision and gets {@code RESYNC}; if the
 * endpoints now serve another cluster (another cluster ID, or our revision lies in its future),
 * {@code RESET}. Changes of the library's own records wake lock waiters instead of users.
 */
final class StoreWatch implements AutoCloseable {
  private enum Mode {
    INITIAL,
    RESUME,
    RESYNC,
    RESET
  }

  private final Rpc rpc;
  private final DirectKv kv;
  private final KeySpace space;
  private final WatchHub hub;
  private final Failures failures;
  private final String description;
  private final Duration timeout;
  private final StoreCalls calls;
  private final ScheduledExecutorService dispatch;
  private final Backoff backoff =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(2));
  private final Map<ByteString, List<CompletableFuture<Void>>> deletions =
      new ConcurrentHashMap<>();
  private final AtomicReference<WatchStream> watcher = new AtomicReference<>();
  // dispatch-thread state
  private int generation;
  // every change at or below it was published (written on the dispatch thread, read by lock
  // waiters)
  private volatile long revision;
  private long clusterId;
  private boolean suspended;
  private int attempts;
  // guarded by this
  private @Nullable CompletableFuture<Void> ready;
  private volatile boolean closed;

  /**
   * {@code kv} for its reads, through {@code calls}; {@code timeout}: the store's operation
   * timeout; {@code n}: the store's number, for the thread's name.
   */
  StoreWatch(
      Rpc rpc,
      DirectKv kv,
      KeySpace space,
      WatchHub hub,
      Failures failures,
      String description,
      Duration timeout,
      StoreCalls calls,
      int n) {
    this.rpc = rpc;
    this.kv = kv;
    this.space = space;
    this.hub = hub;
    this.failures = failures;
    this.description = description;
    this.timeout = timeout;
    this.calls = calls;
    this.dispatch =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "libkv-etcd-" + n + "-watch");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the store's watch if needed and waits until etcd created it. */
  void ensureStarted(@Nullable String key) {
    CompletableFuture<Void> r;
    synchronized (this) {
      if (ready == null || ready.isCompletedExceptionally()) {
        ready = new CompletableFuture<>();
        CompletableFuture<Void> mine = ready;
        dispatch.execute(
            () -> {
              if (!mine.isDone()) {
                open(Mode.INITIAL);
              }
            });
      }
      r = ready;
    }
    try {
      Uninterruptibly.get(r, timeout.toNanos());
    } catch (TimeoutException e) {
      throw new StoreUnavailableException(
          "etcd did not create the watch within the operation timeout",
          key,
          description,
          failures.endpoints(),
          e);
    } catch (ExecutionException e) {
      throw failures.map(e, key, false);
    }
  }

  private void open(Mode mode) {
    if (closed) {
      return;
    }
    int gen = ++generation;
    WatchCreateRequest.Builder o =
        WatchCreateRequest.newBuilder().setKey(space.rootStart()).setRangeEnd(space.rootEnd());
    if (mode == Mode.RESUME) {
      o.setStartRevision(revision + 1);
    }
    WatchStream.Listener l =
        new WatchStream.Listener() {
          @Override
          public void answered(WatchResponse response) {
            submit(() -> onResponse(gen, mode, response));
          }

          @Override
          public void failed(Throwable t) {
            rpc.staleToken(t);
            submit(() -> onFailure(gen, t));
          }
        };
    watcher.set(WatchStream.open(rpc, o.build(), l));
  }

  private void submit(Runnable r) {
    if (!closed) {
      try {
        dispatch.execute(r);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
  }

  private void onResponse(int gen, Mode mode, WatchResponse resp) {
    if (gen != generation || closed) {
      return;
    }
    if (resp.getCreated()) {
      created(mode, resp.getHeader().getRevision(), resp.getHeader().getClusterId());
      return;
    }
    if (resp.getEventsCount() == 0) {
      // progress: nothing changed up to the header's revision
      revision = Math.max(revision, resp.getHeader().getRevision());
      return;
    }
    List<Event> events = resp.getEventsList();
    int i = 0;
    while (i < events.size()) {
      // one revision (one transaction) at a time: it is published as one batch
      long rev = events.get(i).getKv().getModRevision();
      int j = i;
      while (j < events.size() && events.get(j).getKv().getModRevision() == rev) {
        j++;
      }
      if (rev > revision) {
        // the revision first: a waiter that sees it below its own knows it will be woken
        // (awaitDeletion)
        revision = rev;
        List<WatchHub.Change> batch = new ArrayList<>();
        for (Event e : events.subList(i, j)) {
          KeyValue kv = e.getKv();
          String k = space.decode(kv.getKey());
          if (k == null) {
            continue;
          }
          if (e.getType() == Event.EventType.DELETE) {
            // lock waiters wait for queue entries and for user keys to go
            wake(kv.getKey());
          }
          if (!Keys.isReserved(k)) {
            batch.add(
                e.getType() == Event.EventType.DELETE
                    ? WatchHub.Change.delete(k, rev)
                    : WatchHub.Change.put(EtcdStore.pair(k, kv)));
          }
        }
        if (!batch.isEmpty()) {
          hub.publishAll(batch);
        }
      }
      i = j;
    }
  }

  private void created(Mode mode, long rev, long cluster) {
    attempts = 0;
    if (mode == Mode.INITIAL) {
      revision = rev;
      clusterId = cluster;
      CompletableFuture<Void> r;
      synchronized (this) {
        r = ready;
      }
      // set before any INITIAL open (ensureStarted), never cleared
      Objects.requireNonNull(r).complete(null);
    } else if (cluster != clusterId
        || (mode == Mode.RESUME && rev < revision && historyRestarted())) {
      // the endpoints serve another cluster now (another ID; or the same ID, as a cluster made
      // again with the same configuration has, whose history is behind what we published): its
      // revisions are not comparable with ours
      clusterId = cluster;
      reopen(Mode.RESET);
      return;
    } else if (mode == Mode.RESYNC || mode == Mode.RESET) {
      try {
        restartAll(mode == Mode.RESET ? EventType.RESET : EventType.RESYNC, rev);
      } catch (KVException e) {
        retryLater(mode);
        return;
      }
      revision = rev;
    }
    if (suspended) {
      suspended = false;
      calls.connectionOk();
    }
    wakeAll();
  }

  /**
   * Whether the cluster's current revision, by a linearizable read, is below the last one we
   * published (a member that lags behind can answer a watch with an older header; the leader
   * cannot).
   */
  private boolean historyRestarted() {
    try {
      RangeRequest o = DirectKv.get(space.rootStart()).setCountOnly(true).build();
      long now = calls.read(() -> kv.range(o), null).getHeader().getRevision();
      return now < revision;
    } catch (KVException e) {
      return false; // unknown yet: the resumed watch goes on, and fails again if the cluster is
      // gone
    }
  }

  /** Re-reads every watcher's state at {@code rev} and restarts it. */
  private void restartAll(EventType type, long rev) {
    for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
      w.restart(type, calls.readKey(w.key(), rev).pair(), rev);
    }
    for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
      EtcdStore.Listing l = calls.list(w.directory(), rev);
      w.restart(type, l.pairs, rev);
    }
  }

  private void reopen(Mode mode) {
    closeWatcher();
    open(mode);
  }

  private void onFailure(int gen, Throwable t) {
    if (gen != generation || closed) {
      return;
    }
    closeWatcher();
    Mode next =
        Failures.isCompacted(t)
            ? Mode.RESYNC
            : Failures.isFutureRevision(t) ? Mode.RESET : Mode.RESUME;
    CompletableFuture<Void> r;
    synchronized (this) {
      r = ready;
    }
    if (r != null && !r.isDone()) {
      next = Mode.INITIAL;
      if (!Failures.isConnectionFailure(t)) {
        // a lasting refusal (authentication, permission): tell the callers waiting for it
        r.completeExceptionally(failures.map(t, null, false));
        return;
      }
    }
    if (!suspended) {
      suspended = true;
      calls.connectionFailed();
    }
    retryLater(next);
  }

  private void retryLater(Mode mode) {
    closeWatcher();
    Duration d = backoff.ceiling(attempts++);
    try {
      dispatch.schedule(
          () -> {
            if (!closed) {
              open(mode);
            }
          },
          d.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void closeWatcher() {
    generation++;
    WatchStream w = watcher.getAndSet(null);
    if (w != null) {
      w.close();
    }
  }

  // ---- lock waiters

  /**
   * A future completed when etcd key {@code key} (one of the library's own records) is deleted, or
   * when the watch had to start over (then the waiter looks again).
   */
  CompletableFuture<Void> awaitDeletion(ByteString key, long createRevision, long seenAt) {
    ensureStarted(null);
    CompletableFuture<Void> f = new CompletableFuture<>();
    deletions.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(f);
    // registered first, then checked: a deletion after the watch's revision is still to be
    // published, so a key seen at or after that revision needs no read
    if (seenAt > 0 && revision <= seenAt) {
      return f;
    }
    // the key may be gone, or gone and written again (lock entries keep their names): either way
    // the one waited for is no more
    RangeRequest o = DirectKv.get(key).setKeysOnly(true).build();
    List<KeyValue> now = calls.read(() -> kv.range(o), null).getKvsList();
    if (now.isEmpty() || (createRevision > 0 && now.get(0).getCreateRevision() != createRevision)) {
      wake(key);
    }
    return f;
  }

  private void wake(ByteString key) {
    List<CompletableFuture<Void>> l = deletions.remove(key);
    if (l != null) {
      l.forEach(f -> f.complete(null));
    }
  }

  /** Wakes every waiter (after a loss or a restart of the watch), so each looks again. */
  void wakeAll() {
    for (ByteString k : new ArrayList<>(deletions.keySet())) {
      wake(k);
    }
  }

  // ---- history, for watches resumed from an index

  /** etcd 3.4 sends a catching-up watcher at most this many revisions per response. */
  private static final int WATCH_BATCH_MAX_REVS = 1000;

  /**
   * The changes of {@code target} (a key, or a directory when {@code tree}) after revision {@code
   * from} up to {@code upTo}, in order; null when etcd compacted that history away.
   *
   * <p>A temporary watch from {@code from + 1} replays them. etcd 3.4 sends a catching-up watcher
   * everything up to its current revision in one response (a response of fewer than 1,000 revisions
   * is the last of the catch-up), and nothing when nothing changed; its progress requests are not
   * ordered after that catch-up, so they cannot tell when it is done. Whether anything changed is
   * therefore read first: nothing did iff no key present at {@code upTo} was written after {@code
   * from} and as many keys were present at {@code from} as at {@code upTo}.
   */
  @Nullable List<WatchHub.Change> history(String target, boolean tree, long from, long upTo) {
    if (from >= upTo) {
      return List.of();
    }
    ByteString start = tree ? space.dirStart(target) : space.key(target);
    ByteString end = tree ? space.dirEnd(target) : null;
    try {
      if (!changed(start, end, from, upTo, target)) {
        return List.of();
      }
    } catch (KVException e) {
      if (Failures.isCompacted(e.getCause() == null ? e : e.getCause())) {
        return null;
      }
      throw e;
    }
    List<WatchHub.Change> out = new ArrayList<>();
    CompletableFuture<List<WatchHub.Change>> done = new CompletableFuture<>();
    WatchCreateRequest.Builder o =
        WatchCreateRequest.newBuilder().setKey(start).setStartRevision(from + 1);
    if (end != null) {
      o.setRangeEnd(end);
    }
    WatchStream w =
        WatchStream.open(
            rpc,
            o.build(),
            new WatchStream.Listener() {
              @Override
              public void answered(WatchResponse resp) {
                if (resp.getEventsCount() == 0 || done.isDone()) {
                  return;
                }
                long revisions = 0;
                long last = -1;
                boolean reached = false;
                for (Event e : resp.getEventsList()) {
                  KeyValue kv = e.getKv();
                  long rev = kv.getModRevision();
                  if (rev != last) {
                    revisions++;
                    last = rev;
                  }
                  if (rev > upTo) {
                    reached = true;
                    continue;
                  }
                  reached |= rev == upTo;
                  String k = space.decode(kv.getKey());
                  if (k == null || Keys.isReserved(k)) {
                    continue;
                  }
                  out.add(
                      e.getType() == Event.EventType.DELETE
                          ? WatchHub.Change.delete(k, rev)
                          : WatchHub.Change.put(EtcdStore.pair(k, kv)));
                }
                if (reached || revisions < WATCH_BATCH_MAX_REVS) {
                  done.complete(out);
                }
              }

              @Override
              public void failed(Throwable t) {
                rpc.staleToken(t);
                if (Failures.isCompacted(t)) {
                  done.complete(null);
                } else {
                  done.completeExceptionally(t);
                }
              }
            });
    try {
      return Uninterruptibly.get(done, timeout.toNanos());
    } catch (TimeoutException e) {
      throw new StoreUnavailableException(
          "etcd did not replay the history within the operation timeout",
          target,
          description,
          failures.endpoints(),
          e);
    } catch (ExecutionException e) {
      throw failures.map(e, target, false);
    } finally {
      w.close();
    }
  }

  private boolean changed(
      ByteString start, @Nullable ByteString end, long from, long upTo, String target) {
    if (count(start, end, upTo, from + 1, target) > 0) {
      return true;
    }
    return count(start, end, from, 0, target) != count(start, end, upTo, 0, target);
  }

  private long count(
      ByteString start,
      @Nullable ByteString end,
      long revision,
      long minModRevision,
      String target) {
    RangeRequest.Builder b =
        (end == null ? DirectKv.get(start) : DirectKv.get(start, end)).setRevision(revision);
    if (minModRevision > 0) {
      // etcd filters by mod revision only the keys it returns, never a count: fetch one key
      RangeRequest o = b.setMinModRevision(minModRevision).setKeysOnly(true).setLimit(1).build();
      return calls.read(() -> kv.range(o), target).getKvsCount();
    }
    RangeRequest o = b.setCountOnly(true).build();
    return calls.read(() -> kv.range(o), target).getCount();
  }

  @Override
  public void close() {
    closed = true;
    WatchStream w = watcher.getAndSet(null);
    if (w != null) {
      w.close();
    }
    dispatch.shutdownNow();
    wakeAll();
  }
}
