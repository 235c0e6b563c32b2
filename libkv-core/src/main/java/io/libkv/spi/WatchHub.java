package io.libkv.spi;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.TreeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Fans a backend's stream of changes out to key and tree watches, so a backend needs one
 * subscription to its server (or none, in process) however many watches its users open.
 *
 * <p>The backend {@link #publish publishes} changes in index order. A watcher is attached before
 * the backend reads its initial state and buffers what is published meanwhile; {@code start}
 * delivers the initial state and then only the buffered changes newer than it, so nothing falls
 * between the read and the watch and nothing is delivered twice. Tree watchers keep the directory's
 * state and deliver the full sorted list with each change.
 */
public final class WatchHub {
  private final Map<String, List<KeyWatcher>> keyWatchers = new ConcurrentHashMap<>();
  private final Map<String, List<TreeWatcher>> treeWatchers = new ConcurrentHashMap<>();

  /** An empty hub. */
  public WatchHub() {}

  /** One change of one key. */
  public static final class Change {
    final String key;
    final EventType type;
    final @Nullable KVPair pair;
    final long index;
    // stamped here, where every backend hands its changes over, for the events' receivedNanos
    final long receivedNanos = System.nanoTime();

    private Change(String key, EventType type, @Nullable KVPair pair, long index) {
      this.key = key;
      this.type = type;
      this.pair = pair;
      this.index = index;
    }

    /** A put. */
    public static Change put(KVPair pair) {
      return new Change(pair.key(), EventType.PUT, pair, pair.lastIndex());
    }

    /** A delete at {@code index}. */
    public static Change delete(String key, long index) {
      return new Change(key, EventType.DELETE, null, index);
    }

    /** The canonical key. */
    public String key() {
      return key;
    }

    /** PUT or DELETE. */
    public EventType type() {
      return type;
    }

    /** The index of the change. */
    public long index() {
      return index;
    }

    /** The new pair of a put; empty for a delete. */
    public java.util.Optional<KVPair> pair() {
      return java.util.Optional.ofNullable(pair);
    }

    /** When the backend made this change ({@link System#nanoTime()}): its events' receivedNanos. */
    public long receivedNanos() {
      return receivedNanos;
    }

    @Override
    public String toString() {
      return type + " " + key + " @" + index;
    }
  }

  /** Attaches a watcher of {@code key} delivering to {@code channel}; call {@code start} next. */
  public KeyWatcher attachKey(String key, EventChannel<KeyEvent> channel) {
    KeyWatcher w = new KeyWatcher(key, channel);
    keyWatchers.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(w);
    channel.onClose(() -> remove(keyWatchers, key, w));
    return w;
  }

  /** Attaches a watcher of directory {@code dir}; call {@code start} next. */
  public TreeWatcher attachTree(String dir, EventChannel<TreeEvent> channel) {
    TreeWatcher w = new TreeWatcher(dir, channel);
    treeWatchers.computeIfAbsent(dir, k -> new CopyOnWriteArrayList<>()).add(w);
    channel.onClose(() -> remove(treeWatchers, dir, w));
    return w;
  }

  private static <W> void remove(Map<String, List<W>> map, String k, W w) {
    map.computeIfPresent(
        k,
        (kk, list) -> {
          list.remove(w);
          return list.isEmpty() ? null : list;
        });
  }

  /** How many watchers are attached (for leak checks). */
  public int watcherCount() {
    return watcherCount(ch -> true);
  }

  /** How many attached watchers deliver to a channel {@code which} accepts (for leak checks). */
  public int watcherCount(Predicate<EventChannel<?>> which) {
    int n = 0;
    for (List<KeyWatcher> l : keyWatchers.values()) {
      n += (int) l.stream().filter(w -> which.test(w.channel)).count();
    }
    for (List<TreeWatcher> l : treeWatchers.values()) {
      n += (int) l.stream().filter(w -> which.test(w.channel)).count();
    }
    return n;
  }

  /** Whether any watcher is attached (a backend may skip work when none is). */
  public boolean isEmpty() {
    return keyWatchers.isEmpty() && treeWatchers.isEmpty();
  }

  /** Whether a watch covers {@code key}: a watch of it or of a directory above it. */
  public boolean watches(String key) {
    if (keyWatchers.containsKey(key) || treeWatchers.containsKey("")) {
      return true;
    }
    for (int i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      if (treeWatchers.containsKey(key.substring(0, i))) {
        return true;
      }
    }
    return false;
  }

  /** Publishes one change. */
  public void publish(Change c) {
    publishAll(List.of(c));
  }

  /**
   * Publishes changes made by one write (a transaction, a deleteTree): key watchers get one event
   * per change, each tree watcher one event for all the changes below its directory.
   */
  public void publishAll(List<Change> changes) {
    if (isEmpty()) {
      return;
    }
    Map<TreeWatcher, List<Change>> perTree = null;
    for (Change c : changes) {
      List<KeyWatcher> kws = keyWatchers.get(c.key);
      if (kws != null) {
        for (KeyWatcher w : kws) {
          w.accept(c);
        }
      }
      if (treeWatchers.isEmpty()) {
        continue;
      }
      perTree = collectTrees(c, "", perTree);
      for (int i = c.key.indexOf('/'); i >= 0; i = c.key.indexOf('/', i + 1)) {
        perTree = collectTrees(c, c.key.substring(0, i), perTree);
      }
    }
    if (perTree != null) {
      for (Map.Entry<TreeWatcher, List<Change>> e : perTree.entrySet()) {
        e.getKey().accept(e.getValue());
      }
    }
  }

  private @Nullable Map<TreeWatcher, List<Change>> collectTrees(
      Change c, String dir, @Nullable Map<TreeWatcher, List<Change>> acc) {
    List<TreeWatcher> tws = treeWatchers.get(dir);
    if (tws == null) {
      return acc;
    }
    if (acc == null) {
      acc = new java.util.LinkedHashMap<>();
    }
    for (TreeWatcher w : tws) {
      acc.computeIfAbsent(w, x -> new ArrayList<>(1)).add(c);
    }
    return acc;
  }

  /** Ends every attached watch with {@code error}. */
  public void failAll(KVException error) {
    for (List<KeyWatcher> l : keyWatchers.values()) {
      for (KeyWatcher w : l) {
        w.channel.fail(error);
      }
    }
    for (List<TreeWatcher> l : treeWatchers.values()) {
      for (TreeWatcher w : l) {
        w.channel.fail(error);
      }
    }
  }

  /** Every attached key watcher (for a backend's resync after a reconnect). */
  public List<KeyWatcher> keyWatchers() {
    List<KeyWatcher> out = new ArrayList<>();
    keyWatchers.values().forEach(out::addAll);
    return out;
  }

  /** Every attached tree watcher. */
  public List<TreeWatcher> treeWatchers() {
    List<TreeWatcher> out = new ArrayList<>();
    treeWatchers.values().forEach(out::addAll);
    return out;
  }

  /** A watch of one key. */
  public static final class KeyWatcher {
    private final String key;
    private final EventChannel<KeyEvent> channel;
    private @Nullable List<Change> pending = new ArrayList<>();
    private long lastIndex;

    /** Whether the last state delivered had the key; a delete of an absent key is not an event. */
    private boolean present = true;

    KeyWatcher(String key, EventChannel<KeyEvent> channel) {
      this.key = key;
      this.channel = channel;
    }

    /** The canonical key. */
    public String key() {
      return key;
    }

    /** The index of the last event delivered (0 before start). */
    public synchronized long lastIndex() {
      return lastIndex;
    }

    /**
     * Delivers the initial state ({@code CURRENT} or {@code ABSENT} at {@code index}), then what
     * was buffered.
     */
    public synchronized void start(@Nullable KVPair current, long index) {
      lastIndex = current != null ? current.lastIndex() : index;
      present = current != null;
      channel.offer(
          KeyEvent.of(
              current != null ? EventType.CURRENT : EventType.ABSENT, key, current, lastIndex));
      lastIndex = Math.max(lastIndex, index);
      flush();
    }

    /**
     * Starts a resumed watch: replays {@code history} (changes of this key after the resume index,
     * in order), then what was buffered. {@code index} is the store index the history runs up to.
     */
    public synchronized void startResumed(List<Change> history, long fromIndex, long index) {
      lastIndex = fromIndex;
      // history predates the watch: it is received now, not when the store first had it
      long now = System.nanoTime();
      for (Change c : history) {
        deliver(c, now);
      }
      lastIndex = Math.max(lastIndex, index);
      flush();
    }

    /**
     * Delivers a {@code RESYNC} (or {@code RESET}) with the re-read state, then what was buffered.
     */
    public synchronized void restart(EventType type, @Nullable KVPair current, long index) {
      if (type != EventType.RESYNC && type != EventType.RESET) {
        throw new IllegalArgumentException("restart takes RESYNC or RESET, not " + type);
      }
      channel.offer(KeyEvent.of(type, key, current, index));
      lastIndex = index;
      present = current != null;
      if (pending == null) {
        return;
      }
      flush();
    }

    private void flush() {
      List<Change> p = pending;
      pending = null;
      if (p != null) {
        for (Change c : p) {
          deliver(c, c.receivedNanos);
        }
      }
    }

    synchronized void accept(Change c) {
      if (pending != null) {
        pending.add(c);
      } else {
        deliver(c, c.receivedNanos);
      }
    }

    private void deliver(Change c, long receivedNanos) {
      if (c.index <= lastIndex) {
        return;
      }
      lastIndex = c.index;
      if (c.type == EventType.DELETE && !present) {
        // a backend that learns of deletes by comparing listings may report one the initial state
        // already showed
        return;
      }
      present = c.type == EventType.PUT;
      channel.offer(KeyEvent.of(c.type, key, c.pair, c.index).withReceivedNanos(receivedNanos));
    }
  }

  /** A watch of a directory. */
  public static final class TreeWatcher {
    private final String dir;
    private final EventChannel<TreeEvent> channel;
    private final TreeMap<String, KVPair> state = new TreeMap<>(Keys.UTF8_ORDER);
    private @Nullable List<List<Change>> pending = new ArrayList<>();
    private long lastIndex;

    TreeWatcher(String dir, EventChannel<TreeEvent> channel) {
      this.dir = dir;
      this.channel = channel;
    }

    /** The canonical directory. */
    public String directory() {
      return dir;
    }

    /** The index of the last event delivered. */
    public synchronized long lastIndex() {
      return lastIndex;
    }

    /**
     * Delivers the initial state ({@code CURRENT}, or {@code ABSENT} when empty) at {@code index},
     * then what was buffered.
     */
    public synchronized void start(List<KVPair> pairs, long index) {
      reset(pairs, index);
      channel.offer(
          TreeEvent.of(
              state.isEmpty() ? EventType.ABSENT : EventType.CURRENT,
              dir,
              new ArrayList<>(state.values()),
              List.of(),
              index));
      flush();
    }

    /**
     * Starts a watch resumed after {@code fromIndex}: {@code history} holds the changes below the
     * directory since then (in order) and {@code current} the state they lead to, at {@code index}.
     * The first event carries all of them, as if coalesced; nothing is delivered when nothing
     * changed.
     */
    public synchronized void startResumed(
        List<KVPair> current, List<Change> history, long fromIndex, long index) {
      reset(current, fromIndex);
      if (!history.isEmpty()) {
        Map<String, TreeEvent.Change> changes = new TreeMap<>(Keys.UTF8_ORDER);
        for (Change c : history) {
          changes.put(
              c.key,
              c.type == EventType.PUT
                  ? TreeEvent.Change.put(Objects.requireNonNull(c.pair))
                  : TreeEvent.Change.delete(c.key));
        }
        Change last = history.get(history.size() - 1);
        channel.offer(
            TreeEvent.of(
                last.type,
                dir,
                new ArrayList<>(state.values()),
                new ArrayList<>(changes.values()),
                last.index));
      }
      lastIndex = Math.max(fromIndex, index);
      flush();
    }

    /** Delivers {@code RESYNC} or {@code RESET} with the re-read state, then what was buffered. */
    public synchronized void restart(EventType type, List<KVPair> pairs, long index) {
      if (type != EventType.RESYNC && type != EventType.RESET) {
        throw new IllegalArgumentException("restart takes RESYNC or RESET, not " + type);
      }
      reset(pairs, index);
      channel.offer(TreeEvent.of(type, dir, new ArrayList<>(state.values()), List.of(), index));
      flush();
    }

    private void reset(List<KVPair> pairs, long index) {
      state.clear();
      for (KVPair p : pairs) {
        state.put(p.key(), p);
      }
      lastIndex = index;
    }

    private void flush() {
      List<List<Change>> p = pending;
      pending = null;
      if (p != null) {
        for (List<Change> batch : p) {
          deliver(batch);
        }
      }
    }

    synchronized void accept(List<Change> batch) {
      if (pending != null) {
        pending.add(batch);
      } else {
        deliver(batch);
      }
    }

    private void deliver(List<Change> batch) {
      Map<String, TreeEvent.Change> changes = new TreeMap<>(Keys.UTF8_ORDER);
      long max = lastIndex;
      long received = 0;
      EventType lastType = null;
      for (Change c : batch) {
        // one write may change several keys at one index, and a backend that learns of them key
        // by key (ZooKeeper's watches) publishes them apart: the same index is taken unless
        // applied;
        // a change the state already holds (a re-read read it first) is no news at any index
        if (c.index < lastIndex || applied(c)) {
          continue;
        }
        if (c.type == EventType.PUT) {
          state.put(c.key, c.pair);
          changes.put(c.key, TreeEvent.Change.put(Objects.requireNonNull(c.pair)));
        } else {
          if (state.remove(c.key) == null) {
            continue;
          }
          changes.put(c.key, TreeEvent.Change.delete(c.key));
        }
        if (lastType == null) {
          received = c.receivedNanos; // the batch's oldest change
        }
        lastType = c.type;
        max = Math.max(max, c.index);
      }
      if (lastType == null) {
        return;
      }
      lastIndex = max;
      channel.offer(
          TreeEvent.of(
                  lastType,
                  dir,
                  new ArrayList<>(state.values()),
                  new ArrayList<>(changes.values()),
                  max)
              .withReceivedNanos(received));
    }

    private boolean applied(Change c) {
      return c.type == EventType.PUT
          ? Objects.equals(c.pair, state.get(c.key))
          : !state.containsKey(c.key);
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return this == o;
    }
  }
}
