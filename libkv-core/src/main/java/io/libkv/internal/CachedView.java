package io.libkv.internal;

import io.libkv.ConnectionState;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.StaleViewException;
import io.libkv.Store;
import io.libkv.Subscription;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.UpdateOptions;
import io.libkv.View;
import io.libkv.ViewOptions;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.util.SerialExecutor;
import io.libkv.util.Updates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link View} of every store: a tree watch's latest full state (its first event is the
 * listing, so nothing falls between list and watch), swapped in whole on each event, read without
 * locks.
 */
public final class CachedView implements View, WriteTracker.Listener {
  /** One index's image: the sorted pairs and a map for point reads. */
  private record Image(List<KVPair> pairs, Map<String, KVPair> byKey, long index) {
    static Image of(List<KVPair> pairs, long index) {
      Map<String, KVPair> m = new HashMap<>(pairs.size() * 2);
      for (KVPair p : pairs) {
        m.put(p.key(), p);
      }
      return new Image(List.copyOf(pairs), m, index);
    }
  }

  /** A write through this view or its store that reads must wait for. */
  private record Pending(String key, boolean delete, long index) {
    boolean shownIn(Image image) {
      return image.index >= index || (delete && !image.byKey.containsKey(key));
    }
  }

  private final Store store;
  private final String dir;
  private final ViewOptions options;
  private final @Nullable WriteTracker tracker;
  private final Object monitor = new Object();
  private final Map<String, Pending> pending = new HashMap<>();
  // each listener with the serial executor that calls it
  private final Map<SerialExecutor, WatchListener<TreeEvent>> listeners =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile int pendingCount;
  private volatile @Nullable Image image;
  private volatile @Nullable KVException failure;
  private volatile long disconnectedSince; // System.nanoTime() when the connection was lost, or 0
  private volatile boolean closed;
  private volatile boolean storeClosed;
  private final Subscription watch;
  private final Subscription connection;

  private CachedView(Store store, String dir, ViewOptions options, @Nullable WriteTracker tracker) {
    this.store = store;
    this.dir = dir;
    this.options = options;
    this.tracker = tracker;
    // the image is swapped on the delivering thread: no hand-off between the watch and the readers
    Executor direct = Runnable::run;
    this.connection = store.onConnectionStateChange(this::onConnection, direct);
    Subscription w;
    try {
      w =
          store.watchTree(
              dir,
              WatchOptions.DEFAULT,
              new WatchListener<TreeEvent>() {
                @Override
                public void onEvent(TreeEvent e) {
                  apply(e);
                }

                @Override
                public void onError(KVException error) {
                  fail(error);
                }
              },
              direct);
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
    this.watch = w;
  }

  /** Opens a view on any store; read-your-writes covers writes made through the view. */
  public static View open(Store store, String dir, ViewOptions options) {
    return open(store, Keys.canonicalDirectory(dir), options, null);
  }

  /**
   * Opens a view of canonical {@code dir} and waits for its first image.
   *
   * @param tracker the store's write tracker, or null when the store has none
   */
  public static View open(
      Store store, String dir, ViewOptions options, @Nullable WriteTracker tracker) {
    Objects.requireNonNull(options, "options");
    CachedView v = new CachedView(store, dir, options, tracker);
    try {
      v.awaitFirstImage();
    } catch (RuntimeException e) {
      v.close();
      throw e;
    }
    if (tracker != null) {
      tracker.add(v);
    }
    return v;
  }

  private void awaitFirstImage() {
    synchronized (monitor) {
      boolean interrupted = false;
      while (image == null && failure == null && !closed) {
        try {
          monitor.wait();
        } catch (InterruptedException e) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
        throw new KVException("interrupted while opening a view", dir, store.description(), null);
      }
      KVException f = failure;
      if (f != null) {
        throw f;
      }
    }
  }

  private void apply(TreeEvent e) {
    Image next = Image.of(e.pairs(), e.index());
    synchronized (monitor) {
      image = next;
      if (!pending.isEmpty()) {
        pending.values().removeIf(p -> p.shownIn(next));
        pendingCount = pending.size();
      }
      monitor.notifyAll();
    }
    listeners.forEach((serial, listener) -> serial.offer(() -> listener.onEvent(e)));
  }

  private void fail(KVException error) {
    synchronized (monitor) {
      failure = error;
      monitor.notifyAll();
    }
    listeners.forEach((serial, listener) -> serial.offer(() -> listener.onError(error)));
  }

  private void onConnection(ConnectionState s) {
    if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
      if (disconnectedSince == 0) {
        disconnectedSince = Math.max(1, System.nanoTime());
      }
    } else {
      disconnectedSince = 0;
    }
  }

  @Override
  public void wrote(String key, boolean delete, long index) {
    if (index <= 0) {
      return;
    }
    Pending p = new Pending(key, delete, index);
    synchronized (monitor) {
      Image now = image;
      if (now != null && p.shownIn(now)) {
        pending.remove(key); // an earlier write of the key is superseded by this one
      } else {
        pending.put(key, p);
      }
      pendingCount = pending.size();
    }
  }

  @Override
  public void storeClosed() {
    synchronized (monitor) {
      storeClosed = true;
      monitor.notifyAll();
    }
  }

  // ---- reads

  private Image readable(String what) {
    if (closed) {
      throw new IllegalStateException("view of " + shown() + " is closed");
    }
    if (storeClosed) {
      throw new IllegalStateException(
          "the store of the view of " + shown() + " is closed: " + store.description());
    }
    KVException f = failure;
    if (f != null) {
      throw new StaleViewException(
          "the view's watch failed; it no longer follows the store", what, store.description(), f);
    }
    long since = disconnectedSince;
    if (since != 0) {
      Duration stale = Duration.ofNanos(System.nanoTime() - since);
      if (stale.compareTo(options.maxStaleness()) > 0) {
        throw new StaleViewException(
            "the view has been disconnected for "
                + stale.toMillis()
                + " ms, over its maxStaleness of "
                + options.maxStaleness().toMillis()
                + " ms",
            what,
            store.description(),
            null);
      }
    }
    if (pendingCount != 0) {
      awaitPending(what);
    }
    return Objects.requireNonNull(image);
  }

  private void awaitPending(String what) {
    long deadline = System.nanoTime() + options.readYourWritesTimeout().toNanos();
    synchronized (monitor) {
      while (!pending.isEmpty() && failure == null && !closed && !storeClosed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          Pending p = pending.values().iterator().next();
          throw new StaleViewException(
              "the view did not show a write of "
                  + p.key
                  + " at index "
                  + p.index
                  + " within "
                  + options.readYourWritesTimeout().toMillis()
                  + " ms (it shows index "
                  + Objects.requireNonNull(image).index
                  + ")",
              what,
              store.description(),
              null);
        }
        try {
          monitor.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KVException(
              "interrupted while waiting for a view", what, store.description(), e);
        }
      }
    }
    if (failure != null || closed || storeClosed) {
      readable(what); // throws
    }
  }

  private String inside(String key) {
    String k = Keys.canonicalKey(key);
    if (!WriteTracker.holds(dir, k)) {
      throw new IllegalArgumentException("key " + k + " is outside the view of " + shown());
    }
    return k;
  }

  private String shown() {
    return dir.isEmpty() ? "/" : dir;
  }

  @Override
  public String directory() {
    return dir;
  }

  @Override
  public KVPair get(String key) {
    String k = inside(key);
    KVPair p = readable(k).byKey.get(k);
    if (p == null) {
      throw new KeyNotFoundException("not in the view", k, store.description(), null);
    }
    return p;
  }

  @Override
  public boolean exists(String key) {
    String k = inside(key);
    return readable(k).byKey.containsKey(k);
  }

  @Override
  public List<KVPair> list(String sub) {
    String d = Keys.canonicalDirectory(sub);
    if (!d.isEmpty() && !d.equals(dir) && !WriteTracker.holds(dir, d)) {
      throw new IllegalArgumentException("directory " + d + " is outside the view of " + shown());
    }
    if (!dir.isEmpty() && d.isEmpty()) {
      throw new IllegalArgumentException("the root is outside the view of " + shown());
    }
    Image img = readable(d);
    List<KVPair> out;
    if (d.equals(dir)) {
      out = img.pairs;
    } else {
      out = new ArrayList<>();
      for (KVPair p : img.pairs) {
        if (Keys.isBelow(p.key(), d)) {
          out.add(p);
        }
      }
      out = List.copyOf(out);
    }
    if (out.isEmpty() && !img.byKey.containsKey(d)) {
      throw new KeyNotFoundException("nothing below it in the view", d, store.description(), null);
    }
    return out;
  }

  @Override
  public List<KVPair> pairs() {
    return readable(dir).pairs;
  }

  @Override
  public long index() {
    Image img = image;
    return img == null ? 0 : img.index;
  }

  @Override
  public Duration staleness() {
    long since = disconnectedSince;
    return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
  }

  @Override
  public boolean isHealthy() {
    return !closed
        && !storeClosed
        && failure == null
        && staleness().compareTo(options.maxStaleness()) <= 0;
  }

  @Override
  public Subscription onChange(WatchListener<TreeEvent> listener, Executor executor) {
    Objects.requireNonNull(listener, "listener");
    SerialExecutor serial = SerialExecutor.on("view of " + shown(), executor);
    listeners.put(serial, listener);
    return () -> {
      listeners.remove(serial);
      serial.close();
    };
  }

  // ---- writes through the store, waited for by later reads

  @Override
  public KVPair put(String key, byte[] value) {
    String k = inside(key);
    TransactionResult r = store.commit(Transaction.builder().put(k, value).build());
    long index = Objects.requireNonNull(r.indexes().get(k), "index of the put");
    wrote(k, false, index);
    return KVPair.of(k, value, index);
  }

  @Override
  public void delete(String key) {
    String k = inside(key);
    TransactionResult r = store.commit(Transaction.builder().delete(k).build());
    wrote(k, true, r.index().orElse(0));
  }

  @Override
  public TransactionResult commit(Transaction transaction) {
    TransactionResult r = store.commit(transaction);
    if (r.committed()) {
      for (Transaction.Operation o : transaction.operations()) {
        String k = Keys.canonicalKey(o.key());
        if (WriteTracker.holds(dir, k)) {
          Long i = r.indexes().get(k);
          wrote(k, o instanceof Transaction.Delete, i != null ? i : r.index().orElse(0));
        }
      }
    }
    return r;
  }

  @Override
  public KVPair update(String key, Function<Optional<KVPair>, byte[]> fn) {
    String k = inside(key);
    Optional<KVPair> known = Optional.ofNullable(readable(k).byKey.get(k));
    KVPair stored = Updates.updateFrom(store, k, known, UpdateOptions.DEFAULT, fn);
    wrote(k, false, stored.lastIndex());
    return stored;
  }

  @Override
  public void close() {
    synchronized (monitor) {
      if (closed) {
        return;
      }
      closed = true;
      monitor.notifyAll();
    }
    if (tracker != null) {
      tracker.remove(this);
    }
    watch.close();
    connection.close();
    listeners.keySet().forEach(SerialExecutor::close);
    listeners.clear();
  }

  @Override
  public String toString() {
    return "View{" + shown() + " at " + index() + " of " + store.description() + "}";
  }
}
