package io.libkv.redis.internal;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulConnection;
import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.spi.WatchHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Reads the store's change stream on a connection of its own (one blocking {@code XREAD} at a time)
 * and hands each change set to the watch hub, whole, and to lock waiters. Stream entries carry the
 * store index as their id, and every index has its entry, so the feed knows when it missed some:
 * after a reconnect, and every idle second, it compares the stream with the index it delivered. A
 * trimmed stream (entries it needed are gone) makes every watch re-read and deliver {@code RESYNC};
 * a store index below the delivered one (the data was flushed, or a failover lost writes it had
 * delivered), or the delivered index's entry found with another id (a failover lost them and new
 * writes took their indexes), makes them deliver {@code RESET}.
 */
final class ChangeFeed implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.libkv.redis");
  private static final Duration BLOCK = Duration.ofSeconds(1);
  private static final int COUNT = 1000;

  private final Link link;
  private final StoreScript script;
  private final Reads reads;
  private final WatchHub hub;
  private final String description;
  private final Duration timeout;
  private final Consumer<ConnectionState> states;
  private final Map<String, List<CompletableFuture<Void>>> waiters = new ConcurrentHashMap<>();
  private @Nullable Thread thread;
  private volatile @Nullable StatefulConnection<byte[], byte[]> connection;

  /** The read in flight: cancelled, not only its connection closed, to end it at once. */
  private volatile @Nullable Future<?> pending;

  private volatile boolean closed;
  private volatile boolean cutShort;

  /** The last index whose change set was delivered whole. */
  private long delivered;

  /** The stream id of that change set's first entry ("" unknown): which history it belongs to. */
  private String deliveredId = "";

  ChangeFeed(
      Link link,
      StoreScript script,
      Reads reads,
      WatchHub hub,
      String description,
      Duration timeout,
      Consumer<ConnectionState> states) {
    this.link = link;
    this.script = script;
    this.reads = reads;
    this.hub = hub;
    this.description = description;
    this.timeout = timeout;
    this.states = states;
  }

  /**
   * Starts reading, from the store's current index, unless it already runs: every change made after
   * this returns reaches the hub.
   */
  synchronized void start() {
    if (thread != null || closed) {
      return;
    }
    connection = null;
    cutShort = false;
    delivered = reads.probe(0).index();
    deliveredId = reads.probe(delivered).entryId();
    Thread t = new Thread(this::run, "libkv-redis-feed " + description);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /**
   * A future completed at the next change of {@code key}, or when the feed cannot tell (it
   * reconnected or re-read): register before looking at the key, so no change falls between.
   */
  CompletableFuture<Void> nextChange(String key) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    // added inside compute: a list emptied and dropped by another waiter's removal at the same
    // time must not swallow this one
    waiters.compute(
        key,
        (k, l) -> {
          List<CompletableFuture<Void>> list =
              l != null ? l : new java.util.concurrent.CopyOnWriteArrayList<>();
          list.add(f);
          return list;
        });
    // after registering: a feed stopping for want of listeners either sees this one or is started
    // again here, from the index of now
    start();
    f.whenComplete(
        (v, e) -> {
          waiters.computeIfPresent(
              key,
              (k, l) -> {
                l.removeIf(x -> x == f);
                return l.isEmpty() ? null : l;
              });
          stopIfIdle();
        });
    return f;
  }

  private void run() {
    String from = delivered + "-" + Long.MAX_VALUE;
    List<WatchHub.Change> group = new ArrayList<>();
    long groupIndex = -1;
    String groupId = "";
    boolean suspended = false;
    while (!closed) {
      try {
        StatefulConnection<byte[], byte[]> c = connection;
        if (c == null || !c.isOpen()) {
          if (c != null) {
            Link.quietClose(c);
          }
          c = link.dedicated(BLOCK.plus(timeout));
          if (!adopt(c)) {
            return;
          }
          // what happened while the feed was away is checked before reading on
          if (suspended) {
            suspended = false;
            states.accept(ConnectionState.RECONNECTED);
          }
          if (check()) {
            group.clear();
            groupIndex = -1;
            from = delivered + "-" + Long.MAX_VALUE;
          }
          wakeAll();
        }
        RedisFuture<List<StreamMessage<byte[], byte[]>>> read = read(c, from);
        if (read == null) {
          return;
        }
        List<StreamMessage<byte[], byte[]>> batch = await(read);
        pending = null;
        if (stopIfIdle(c)) {
          return;
        }
        if (batch == null || batch.isEmpty()) {
          if (check()) {
            group.clear();
            groupIndex = -1;
            from = delivered + "-" + Long.MAX_VALUE;
          }
          continue;
        }
        for (StreamMessage<byte[], byte[]> m : batch) {
          long idx = Reads.entryIndex(m.getId());
          if (idx != groupIndex) {
            if (!group.isEmpty()) {
              deliver(group, groupIndex, groupId);
              group = new ArrayList<>();
            }
            if (idx > delivered + 1) {
              // entries between were trimmed away before this feed read them
              resync(EventType.RESYNC, reads.probe(0).index());
              groupIndex = -1;
              from = delivered + "-" + Long.MAX_VALUE;
              group.clear();
              break;
            }
            groupIndex = idx;
            groupId = m.getId();
          }
          for (Map.Entry<byte[], byte[]> f : m.getBody().entrySet()) {
            group.add(Reads.change(f.getKey(), f.getValue(), idx));
          }
          from = m.getId();
        }
        if (batch.size() < COUNT && !group.isEmpty()) {
          // the end of the stream: a change set's entries are appended at once, so it is whole
          deliver(group, groupIndex, groupId);
          group = new ArrayList<>();
          groupIndex = -1;
        }
      } catch (RuntimeException e) {
        pending = null;
        if (closed) {
          return;
        }
        StatefulConnection<byte[], byte[]> c = connection;
        connection = null;
        if (c != null) {
          Link.quietClose(c);
        }
        if (c != null && stopIfIdle(c)) {
          return;
        }
        if (cutShort) {
          // closed by stopIfIdle() as the last listener left, and a new one came since: no
          // failure to report, read on
          cutShort = false;
          continue;
        }
        if (!suspended) {
          suspended = true;
          states.accept(ConnectionState.SUSPENDED);
        }
        LOG.log(System.Logger.Level.DEBUG, "change feed of {0}: {1}", description, e.toString());
        sleep();
      }
    }
  }

  /**
   * Ends the feed now if nothing listens any more (a watch closed, a waiter woke): its blocking
   * read is cut short by closing its connection, and the reader, finding nobody, stops.
   */
  synchronized void stopIfIdle() {
    StatefulConnection<byte[], byte[]> c = connection;
    if (thread != null && c != null && hub.isEmpty() && waiters.isEmpty() && !closed) {
      cutShort = true;
      // a cluster connection's close leaves a blocked read waiting out its block
      Future<?> p = pending;
      if (p != null) {
        p.cancel(false);
      }
      Link.quietClose(c);
    }
    // a feed still connecting (no connection yet) sees it is idle in adopt()
  }

  /**
   * Takes the newly opened connection as the feed's, unless the store closed or the last listener
   * left while it opened: then closes it and ends the feed (returns false). Under the lock {@link
   * #stopIfIdle()} takes, so a listener leaving now is seen either here or there.
   */
  private synchronized boolean adopt(StatefulConnection<byte[], byte[]> c) {
    if (closed) {
      Link.quietClose(c);
      return false;
    }
    if (hub.isEmpty() && waiters.isEmpty()) {
      thread = null;
      Link.quietClose(c);
      return false;
    }
    connection = c;
    return true;
  }

  /**
   * Sends the next blocking read, unless nobody listens any more (then ends the feed and returns
   * null). Under the lock, so {@link #stopIfIdle()} either sees the read to cancel or is seen here.
   */
  @SuppressWarnings("unchecked") // one stream offset: a generic varargs array of one
  private synchronized @Nullable RedisFuture<List<StreamMessage<byte[], byte[]>>> read(
      StatefulConnection<byte[], byte[]> c, String from) {
    if (closed || stopIfIdle(c)) {
      return null;
    }
    RedisFuture<List<StreamMessage<byte[], byte[]>>> f =
        Link.asyncOf(c)
            .xread(
                XReadArgs.Builder.block(BLOCK).count(COUNT),
                XReadArgs.StreamOffset.from(script.streamKey(), from));
    pending = f;
    return f;
  }

  /** The read's answer: within its block and the operation timeout; interrupted by close(). */
  private <T> T await(RedisFuture<T> f) {
    try {
      return f.get(BLOCK.plus(timeout).toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new RedisException(cause);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new RedisCommandTimeoutException("no answer to the change feed's read");
    } catch (InterruptedException e) {
      f.cancel(false);
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted");
    }
  }

  /**
   * Ends the feed when no watch and no lock waiter is left: while it reads, every write to the
   * prefix wakes it (and costs the server a reply). Under the lock that {@link #start()} takes, so
   * a listener that arrives meanwhile either keeps it running or starts it again.
   */
  private synchronized boolean stopIfIdle(StatefulConnection<byte[], byte[]> c) {
    if (!hub.isEmpty() || !waiters.isEmpty() || closed) {
      return false;
    }
    thread = null;
    connection = null;
    Link.quietClose(c);
    return true;
  }

  private void deliver(List<WatchHub.Change> group, long index, String id) {
    hub.publishAll(group);
    delivered = index;
    deliveredId = id;
    for (WatchHub.Change c : group) {
      List<CompletableFuture<Void>> l = waiters.get(c.key());
      if (l != null) {
        for (CompletableFuture<Void> f : l) {
          f.complete(null);
        }
      }
    }
  }

  /**
   * Compares the stream with what was delivered; re-reads every watch when something was missed.
   * Returns whether it did.
   */
  private boolean check() {
    Reads.Probe p = reads.probe(delivered);
    long current = p.index();
    long first = p.first();
    if (current < delivered) {
      resync(EventType.RESET, current);
      return true;
    }
    if (!deliveredId.isEmpty() && !p.entryId().isEmpty() && !p.entryId().equals(deliveredId)) {
      // the delivered index was written again: its history is gone, though the index is not behind
      resync(EventType.RESET, current);
      return true;
    }
    if (current > delivered && first != delivered + 1) {
      resync(EventType.RESYNC, current);
      return true;
    }
    return false;
  }

  private void resync(EventType type, long index) {
    LOG.log(
        System.Logger.Level.DEBUG,
        "change feed of {0}: {1} at {2} (delivered {3})",
        description,
        type,
        index,
        delivered);
    for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
      Reads.KeyAt k = reads.key(w.key());
      w.restart(type, k.pair(), Math.max(k.index(), type == EventType.RESET ? 0 : w.lastIndex()));
    }
    for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
      Reads.DirAt d = reads.dir(w.directory());
      w.restart(type, d.pairs(), Math.max(d.index(), type == EventType.RESET ? 0 : w.lastIndex()));
    }
    delivered = index;
    deliveredId = reads.probe(index).entryId();
    wakeAll();
  }

  private void wakeAll() {
    for (List<CompletableFuture<Void>> l : waiters.values()) {
      for (CompletableFuture<Void> f : l) {
        f.complete(null);
      }
    }
  }

  private void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      closed = true;
      t = thread;
    }
    StatefulConnection<byte[], byte[]> c = connection;
    if (c != null) {
      Link.quietClose(c);
    }
    wakeAll();
    if (t != null) {
      t.interrupt();
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
