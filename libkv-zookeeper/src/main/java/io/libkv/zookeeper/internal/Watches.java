package io.libkv.zookeeper.internal;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.spi.EventChannel;
import io.libkv.spi.WatchHub;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * Watches: persistent recursive watches on the server, fanned out through the store's hub. Each
 * event is turned into a change by reading the node after it (indexes come from stats, never from
 * events); after a reconnect every watch is read again and gets RESYNC.
 */
final class Watches {
  private static final System.Logger LOG = System.getLogger("io.libkv.zookeeper");

  /** A key's state: its pair (null when absent) and the index that state is at. */
  private record KeyState(@Nullable KVPair pair, long index) {}

  /** A watch event waiting for its batch; {@code zxid} is the server's, or NO_ZXID. */
  private record PendingEvent(String key, Watcher.Event.EventType type, long zxid) {}

  /** A node as one read found it: its data and stat, or both null when it does not exist. */
  private record NodeRead(byte @Nullable [] data, @Nullable Stat stat) {}

  private final Session session;
  private final Paths paths;
  private final Nodes nodes;
  private final Listings listings;
  private final BooleanSupplier closed;
  private final ExecutorService executor;
  private final WatchHub hub = new WatchHub();
  private final Watcher eventWatcher = this::onWatchEvent;
  private final Queue<PendingEvent> pendingEvents = new ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicLong fences =
      new java.util.concurrent.atomic.AtomicLong();
  // a put read ahead of its own event, by key, published when that event comes: read again then,
  // the node would show a later write again under a writer that keeps writing (drain thread only)
  private final Map<String, WatchHub.Change> readAhead = new HashMap<>();
  // per key, the zxids of its events that no published change covers yet (a change at or past an
  // event's zxid covers it); and the changes held back until no key has such an event at or below
  // their index: published sooner, an image could show a multi-op of that zxid in part, its other
  // keys but not this one, whose change was coalesced, read ahead or held (drain thread only)
  private final Map<String, java.util.NavigableSet<Long>> unknownFrom = new HashMap<>();
  private final List<WatchHub.Change> held = new ArrayList<>();
  // zk path -> number of open watches needing a persistent recursive watch there
  private final Map<String, Integer> registrations = new HashMap<>();

  /** {@code executor}: the one thread that turns events into changes and resyncs. */
  Watches(
      Session session,
      Paths paths,
      Nodes nodes,
      Listings listings,
      BooleanSupplier closed,
      ExecutorService executor) {
    this.session = session;
    this.paths = paths;
    this.nodes = nodes;
    this.listings = listings;
    this.closed = closed;
    this.executor = executor;
  }

  Map<String, Integer> watchResources() {
    int server;
    synchronized (registrations) {
      server = registrations.values().stream().mapToInt(Integer::intValue).sum();
    }
    return Map.of(
        "watchers in the store's hub", hub.watcherCount(), "holders of server watches", server);
  }

  void watch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    String path = paths.path(key);
    WatchHub.KeyWatcher w = hub.attachKey(key, channel);
    register(path, channel);
    // attached and watching first, then read: nothing falls between; the member the store is
    // connected to may lag, so it catches up first (the first state must hold every write
    // acknowledged before the watch began, to any client, as a tree watch's first image does)
    KeyState r =
        session.read(
            key,
            zk -> {
              zk.sync(path);
              return readKeyState(zk, key);
            });
    if (options.startIndex().isPresent()) {
      // ZooKeeper keeps no history, but a key has one state: nothing since the index, or its
      // latest state (intermediate changes coalesced, as every watch here may)
      long from = options.startIndex().getAsLong();
      KVPair current = r.pair();
      long index = r.index();
      List<WatchHub.Change> since;
      if (current != null) {
        since = current.lastIndex() > from ? List.of(WatchHub.Change.put(current)) : List.of();
      } else {
        since = index > from ? List.of(WatchHub.Change.delete(key, index)) : List.of();
      }
      w.startResumed(since, from, Math.max(from, index));
    } else {
      w.start(r.pair(), r.index());
    }
  }

  private KeyState readKeyState(ZooKeeper zk, String key)
      throws KeeperException, InterruptedException {
    KVPair p = nodes.readPair(zk, key);
    long index = p != null ? p.lastIndex() : ancestorIndexOrSelf(zk, paths.path(key));
    return new KeyState(p, index);
  }

  /**
   * For an absent key: the node's own stat if it is an implicit parent, else the nearest
   * ancestor's.
   */
  private long ancestorIndexOrSelf(ZooKeeper zk, String path)
      throws KeeperException, InterruptedException {
    Stat s = zk.exists(path, false);
    if (s != null) {
      return Math.max(s.getMzxid(), s.getPzxid());
    }
    return Nodes.ancestorIndex(zk, path);
  }

  void watchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    WatchHub.TreeWatcher w = hub.attachTree(dir, channel);
    register(paths.path(dir), channel);
    String dirPath = paths.path(dir);
    Listing l =
        session.read(
            dir,
            zk -> {
              // the first image must hold every write acknowledged before the watch began, to any
              // client: the member the store is connected to may lag, so it catches up first (a
              // view built on this watch is read as current)
              zk.sync(dirPath);
              return listings.listing(zk, dir, true);
            });
    if (options.startIndex().isPresent()) {
      long from = options.startIndex().getAsLong();
      if (l.maxZxid <= from) {
        // nothing below changed since (no node's mzxid or pzxid is newer): nothing to deliver
        w.startResumed(new ArrayList<>(l.pairs.values()), List.of(), from, from);
      } else {
        // no history to tell which keys went: re-read (RESYNC)
        session.readVoid(
            dir,
            zk -> {
              resync(zk, w, l);
            });
      }
    } else {
      w.start(new ArrayList<>(l.pairs.values()), l.index);
    }
  }

  /**
   * Delivers RESYNC at {@code first}'s newest zxid: the newest index of the tree, so never below
   * one the watch has delivered (its directory node's own zxid can be far older). A listing is no
   * snapshot (a node read early may change before a later node is read), so the pairs come from a
   * second listing begun after the first saw that zxid: each pair is at least that new, and no
   * change the watcher then drops as older than the RESYNC is missing from it.
   */
  private void resync(ZooKeeper zk, WatchHub.TreeWatcher w, Listing first)
      throws KeeperException, InterruptedException {
    Listing now = listings.listing(zk, w.directory(), true);
    w.restart(EventType.RESYNC, new ArrayList<>(now.pairs.values()), first.maxZxid);
  }

  /**
   * Adds a persistent recursive watch at {@code path} unless one is there; the channel's close
   * removes it.
   */
  private void register(String path, EventChannel<?> channel) {
    synchronized (registrations) {
      int n = registrations.getOrDefault(path, 0);
      if (n == 0) {
        session.readVoid(
            path,
            zk -> {
              zk.addWatch(path, eventWatcher, AddWatchMode.PERSISTENT_RECURSIVE);
            });
      }
      registrations.put(path, n + 1);
    }
    channel.onClose(() -> unregister(path));
  }

  private void unregister(String path) {
    synchronized (registrations) {
      Integer n = registrations.get(path);
      if (n == null) {
        return;
      }
      if (n > 1) {
        registrations.put(path, n - 1);
        return;
      }
      registrations.remove(path);
    }
    if (closed.getAsBoolean()) {
      return;
    }
    try {
      ZooKeeper zk = session.handle();
      zk.removeWatches(
          path,
          eventWatcher,
          Watcher.WatcherType.Any,
          !session.connected(),
          (rc, p, ctx) -> {},
          null);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "could not remove the watch of " + path + ": " + e);
    }
  }

  private void onWatchEvent(WatchedEvent e) {
    if (e.getType() == Watcher.Event.EventType.None || e.getPath() == null) {
      return; // connection states come through Curator's listener
    }
    String key = paths.keyOf(e.getPath());
    if (key == null || paths.hidden(key) || !hub.watches(key)) {
      return;
    }
    pendingEvents.add(new PendingEvent(key, e.getType(), e.getZxid()));
    try {
      executor.execute(this::drainEvents);
    } catch (RejectedExecutionException ignored) {
      // closing
    }
  }

  /**
   * Turns the queued events into changes and publishes them together, so that a tree watch sees a
   * multi-op (a transaction, a deleteTree, a putAll) as one event. The client hands a multi-op's
   * events over one by one, so the batch is closed by a fence: an answer to a request sent now,
   * which the client hands over after every event it received before it, and so after all the
   * events of any multi-op whose first event is queued (the server applies a multi-op whole before
   * it answers a later request).
   */
  private void drainEvents() {
    if (pendingEvents.isEmpty() || drainReadAhead()) {
      return;
    }
    PendingEvent marker = marker();
    CompletableFuture<Boolean> placed = sendFence(marker);
    // a node is read after its events, once per batch: the nodes of the events already queued in
    // the fence's round trip, not one round trip after it, and those of the events that came
    // meanwhile once the fence is placed (a later read of a node replaces the earlier one)
    Map<String, CompletableFuture<NodeRead>> reads = new HashMap<>();
    int covered = readNodes(reads, 0, null);
    PendingEvent fence = awaitFence(marker, placed);
    covered = readNodes(reads, covered, fence);
    int polled = 0;
    List<WatchHub.Change> changes = new ArrayList<>();
    long newestEvent = Long.MIN_VALUE;
    boolean zxidsKnown = true;
    for (PendingEvent ev = pendingEvents.poll(); ev != null; ev = pendingEvents.poll()) {
      if (ev.type() == Watcher.Event.EventType.None) {
        if (ev.equals(fence)) {
          break;
        }
        continue; // the fence of an earlier drain that gave up waiting for it
      }
      if (polled++ >= covered) {
        // came after the reads were sent (the fence was not placed): read after it
        reads.put(ev.key(), readAsync(ev.key()));
      }
      zxidsKnown &= ev.zxid() != WatchedEvent.NO_ZXID;
      newestEvent = Math.max(newestEvent, ev.zxid());
      if (ev.zxid() != WatchedEvent.NO_ZXID) {
        unknownAt(ev.key(), ev.zxid());
      }
      WatchHub.Change ahead = readAhead.get(ev.key());
      if (ahead != null && ev.zxid() != WatchedEvent.NO_ZXID) {
        if (ahead.index() > ev.zxid()) {
          continue; // a later write of the key is read already: this change is coalesced into it
        }
        readAhead.remove(ev.key());
        if (ahead.index() == ev.zxid()) {
          changes.add(ahead); // the node as this write left it
          continue;
        }
      }
      WatchHub.Change c =
          process(ev.key(), ev.type(), ev.zxid(), Objects.requireNonNull(reads.get(ev.key())));
      if (c != null) {
        changes.add(c);
      } else {
        known(ev.key(), ev.zxid()); // no key's state changed (a parent node), or a resync follows
      }
    }
    if (zxidsKnown) {
      // a node is read after its event, so it may show a later write, or, gone, borrow the index
      // of a later write below its parent; that write's own event is still queued and will be
      // published with its batch: published now, this batch's index would be taken again there
      long newest = newestEvent;
      for (java.util.Iterator<WatchHub.Change> it = changes.iterator(); it.hasNext(); ) {
        WatchHub.Change c = it.next();
        if (c.index() <= newest) {
          continue;
        }
        if (c.type() == EventType.PUT) {
          // its index is its own write's: kept for that write's event (a delete's may be a
          // later write's elsewhere, so it waits for its own event's read)
          readAhead.put(c.key(), c);
        }
        it.remove();
      }
      dropPassedReadAhead(newest);
    }
    publishKnown(changes);
  }

  /**
   * Drops the reads ahead that a batch up to {@code newest} passed: their event never came (the key
   * was not watched when it arrived), and a later event's read will know the key again.
   */
  private void dropPassedReadAhead(long newest) {
    for (java.util.Iterator<WatchHub.Change> it = readAhead.values().iterator(); it.hasNext(); ) {
      WatchHub.Change c = it.next();
      if (c.index() <= newest) {
        unknownFrom.remove(c.key());
        it.remove();
      }
    }
  }

  private void unknownAt(String key, long zxid) {
    unknownFrom.computeIfAbsent(key, k -> new java.util.TreeSet<>()).add(zxid);
  }

  private void known(String key, long zxid) {
    java.util.NavigableSet<Long> z = unknownFrom.get(key);
    if (z != null) {
      z.remove(zxid);
    }
  }

  /**
   * Publishes the held changes and {@code changes}, but holds back those at or past an event that
   * no change published with them covers: published, its image would show that event's key as it
   * was before, beside other keys of the multi-op that changed it.
   */
  private void publishKnown(List<WatchHub.Change> changes) {
    // a key no longer watched sends no event that would make it known again
    unknownFrom.keySet().removeIf(k -> !hub.watches(k));
    List<WatchHub.Change> now = new ArrayList<>(held);
    now.addAll(changes);
    held.clear();
    Map<String, java.util.NavigableSet<Long>> unknown;
    while (true) {
      unknown = new HashMap<>();
      for (Map.Entry<String, java.util.NavigableSet<Long>> e : unknownFrom.entrySet()) {
        unknown.put(e.getKey(), new java.util.TreeSet<>(e.getValue()));
      }
      for (WatchHub.Change c : now) {
        java.util.NavigableSet<Long> from = unknown.get(c.key());
        if (from != null) {
          from.headSet(c.index(), true).clear();
        }
      }
      long first = Long.MAX_VALUE;
      for (java.util.NavigableSet<Long> z : unknown.values()) {
        if (!z.isEmpty()) {
          first = Math.min(first, z.first());
        }
      }
      long limit = first;
      // holding a change back may leave its key unknown again: go on until nothing moves
      if (!now.removeIf(c -> c.index() >= limit && held.add(c))) {
        break;
      }
    }
    unknown.values().removeIf(java.util.Set::isEmpty);
    unknownFrom.clear();
    unknownFrom.putAll(unknown);
    if (!now.isEmpty()) {
      hub.publishAll(now);
    }
  }

  /**
   * Publishes the queued events without a fence or a read when every one is of a write read
   * already: a put read ahead at zxid Z came in an answer the server gave once it had applied Z
   * whole, so the events of every multi-op up to Z were handed over before it (as a fence's are)
   * and are queued; and the node as Z left it is known. Returns false, taking nothing, when some
   * event needs its node read.
   */
  private boolean drainReadAhead() {
    if (readAhead.isEmpty()) {
      return false;
    }
    int events = 0;
    for (PendingEvent ev : pendingEvents) {
      if (ev.type() == Watcher.Event.EventType.None) {
        continue; // the fence of an earlier drain that gave up waiting for it
      }
      WatchHub.Change ahead = readAhead.get(ev.key());
      if (ev.zxid() == WatchedEvent.NO_ZXID || ahead == null || ahead.index() < ev.zxid()) {
        return false;
      }
      events++;
    }
    if (events == 0) {
      return false; // only stale fences: the usual drain clears them
    }
    List<WatchHub.Change> changes = new ArrayList<>();
    long newest = Long.MIN_VALUE;
    while (events > 0) {
      PendingEvent ev = Objects.requireNonNull(pendingEvents.poll(), "counted");
      if (ev.type() == Watcher.Event.EventType.None) {
        continue;
      }
      events--;
      newest = Math.max(newest, ev.zxid());
      unknownAt(ev.key(), ev.zxid());
      WatchHub.Change ahead = readAhead.get(ev.key());
      if (ahead != null && ahead.index() == ev.zxid()) {
        readAhead.remove(ev.key());
        changes.add(ahead); // the node as this write left it
      } // else coalesced into the later write read ahead
    }
    dropPassedReadAhead(newest);
    publishKnown(changes);
    return true;
  }

  private PendingEvent marker() {
    return new PendingEvent(
        "\0fence-" + fences.incrementAndGet(), Watcher.Event.EventType.None, WatchedEvent.NO_ZXID);
  }

  /** Sends a request whose answer queues {@code marker} behind every event received before it. */
  private CompletableFuture<Boolean> sendFence(PendingEvent marker) {
    CompletableFuture<Boolean> placed = new CompletableFuture<>();
    try {
      session
          .handle()
          .exists(
              paths.path(""),
              false,
              (rc, p, ctx, st) -> {
                pendingEvents.add(marker);
                placed.complete(Boolean.TRUE);
              },
              null);
    } catch (Exception e) {
      placed.completeExceptionally(e);
    }
    return placed;
  }

  /**
   * The marker once queued; null when it could not be placed within the operation timeout (the
   * batch is then what is queued).
   */
  private @Nullable PendingEvent awaitFence(
      PendingEvent marker, CompletableFuture<Boolean> placed) {
    try {
      placed.get(session.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return marker;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "watch fence failed: " + e);
      return null;
    }
  }

  /**
   * Sends a read of the node of each queued event from the {@code from}-th on (counting events, not
   * fence markers), up to {@code stop} (the whole queue when null), one per node, replacing what
   * {@code reads} held for it; returns the number of events counted.
   */
  private int readNodes(
      Map<String, CompletableFuture<NodeRead>> reads, int from, @Nullable PendingEvent stop) {
    Set<String> sent = new HashSet<>();
    int n = 0;
    for (PendingEvent ev : pendingEvents) {
      if (stop != null && ev.equals(stop)) {
        break;
      }
      if (ev.type() != Watcher.Event.EventType.None && n++ >= from && sent.add(ev.key())) {
        reads.put(ev.key(), readAsync(ev.key()));
      }
    }
    return n;
  }

  /** Sends a read of {@code key}'s node. */
  private CompletableFuture<NodeRead> readAsync(String key) {
    CompletableFuture<NodeRead> f = new CompletableFuture<>();
    try {
      session
          .handle()
          .getData(
              paths.path(key),
              false,
              (rc, p, ctx, data, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                  f.complete(new NodeRead(data, stat));
                } else if (rc == KeeperException.Code.NONODE.intValue()) {
                  f.complete(new NodeRead(null, null));
                } else {
                  f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), p));
                }
              },
              null);
    } catch (Exception e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /**
   * Turns one event into a change, reading the node after it: indexes come from stats, never from
   * events.
   */
  private WatchHub.@Nullable Change process(
      String key, Watcher.Event.EventType type, long zxid, CompletableFuture<NodeRead> read) {
    if (closed.getAsBoolean()) {
      return null;
    }
    try {
      NodeRead r = read.get(session.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
      ZooKeeper zk = session.handle();
      String path = paths.path(key);
      Stat s = r.stat();
      if (s == null) {
        return deleted(zk, key, path, type == Watcher.Event.EventType.NodeDeleted ? zxid : -1);
      }
      byte[] data = r.data();
      if (data != null) {
        return WatchHub.Change.put(KVPair.ofOwned(key, data, s.getMzxid()));
      } else if (type != Watcher.Event.EventType.NodeCreated) {
        // a key became an implicit parent (deleted with keys below it), or was deleted and its
        // parent remade
        return WatchHub.Change.delete(key, Math.max(s.getMzxid(), s.getPzxid()));
      }
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception ex) {
      // a lost connection: the reconnect re-reads every watch (RESYNC)
      LOG.log(System.Logger.Level.DEBUG, "watch read of " + key + " failed: " + ex);
      return null;
    }
  }

  /**
   * The change for a node found deleted. A deleted node has no stat: the index is the deletion's
   * zxid where the server sent it with the event (ZooKeeper 3.9 and later), else the nearest
   * ancestor's pzxid read after the deletion — which a later child's creation may already have
   * moved past the deletion, so that the next event could carry the same index. The key is then
   * checked absent again, so a re-creation racing with that read is a put instead and never hidden
   * behind a larger index.
   */
  private WatchHub.Change deleted(ZooKeeper zk, String key, String path, long deletionZxid)
      throws KeeperException, InterruptedException {
    long index = deletionZxid > 0 ? deletionZxid : Nodes.ancestorIndex(zk, path);
    Stat s = new Stat();
    try {
      byte[] data = zk.getData(path, false, s);
      if (data != null) {
        return WatchHub.Change.put(KVPair.ofOwned(key, data, s.getMzxid()));
      }
      index = Math.max(index, Math.max(s.getMzxid(), s.getPzxid()));
    } catch (KeeperException.NoNodeException stillGone) {
      // as expected
    }
    return WatchHub.Change.delete(key, index);
  }

  /**
   * Re-reads every watch and delivers RESYNC; re-adds the server watches first after a new session.
   */
  private void resyncWatches(boolean newSession) {
    readAhead.clear(); // every watch is read again
    unknownFrom.clear();
    held.clear();
    try {
      ZooKeeper zk = session.handle();
      if (newSession) {
        List<String> paths;
        synchronized (registrations) {
          paths = new ArrayList<>(registrations.keySet());
        }
        for (String p : paths) {
          zk.addWatch(p, eventWatcher, AddWatchMode.PERSISTENT_RECURSIVE);
        }
      }
      for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
        KeyState r = readKeyState(zk, w.key());
        w.restart(EventType.RESYNC, r.pair(), r.index());
      }
      for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
        resync(zk, w, listings.listing(zk, w.directory(), false));
      }
    } catch (Exception e) {
      if (closed.getAsBoolean()) {
        return;
      }
      LOG.log(
          System.Logger.Level.DEBUG,
          "watch resync on " + session.description() + " failed, retrying: " + e);
      // try again once connected: a later RECONNECTED schedules another resync too
      CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS, executor)
          .execute(() -> resyncWatches(newSession));
    }
  }

  /**
   * After a reconnect: re-reads every watch (RESYNC), re-adding the server watches if the session
   * is new.
   */
  void sessionResumed(boolean newSession) {
    if (!hub.isEmpty()) {
      executor.execute(() -> resyncWatches(newSession));
    }
  }
}
