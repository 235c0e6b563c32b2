package io.libkv.spi;

import io.libkv.CallNotSupportedException;
import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.InvalidKeyException;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeepAliveEvent;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.PreviousNotSpecifiedException;
import io.libkv.Store;
import io.libkv.StoreStatus;
import io.libkv.Subscription;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TransactionTooLargeException;
import io.libkv.TreeEvent;
import io.libkv.TtlTooShortException;
import io.libkv.ValueTooLargeException;
import io.libkv.View;
import io.libkv.ViewOptions;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.internal.CachedView;
import io.libkv.internal.WriteTracker;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The part of every backend that does not depend on the backend: argument checks, key rules and
 * limits, TTL rules, the closed state, watch channels and their clean-up, connection listeners. A
 * backend implements the {@code do*} methods, which receive canonical, validated arguments.
 */
public abstract class AbstractStore implements Store {
  private final String description;
  private final OpenCheck open;
  private final Set<EventChannel<?>> channels = ConcurrentHashMap.newKeySet();

  /** Every watch channel this store made, held weakly: what holds one after its close leaks it. */
  private final Set<EventChannel<?>> made =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  private final Set<EventChannel<ConnectionState>> connectionListeners =
      ConcurrentHashMap.newKeySet();
  private final Set<EventChannel<KeepAliveEvent>> keepAliveListeners =
      ConcurrentHashMap.newKeySet();
  // a store that opened is connected until its backend says otherwise
  private volatile ConnectionState connectionState = ConnectionState.CONNECTED;
  // the open views of this store, told of its writes so their reads show them
  private final WriteTracker writes = new WriteTracker();

  /** A store described (in messages) by {@code description}, a URI without secrets. */
  protected AbstractStore(String description) {
    this.description = Objects.requireNonNull(description, "description");
    this.open = new OpenCheck(description);
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + description + "}";
  }

  // ---- checks shared by every backend

  /** Throws {@link IllegalStateException} if closed. */
  protected final void checkOpen() {
    open.check();
  }

  /** Whether {@link #close()} was called. */
  protected final boolean isClosed() {
    return open.isClosed();
  }

  /**
   * This store's open state, for the objects it works with (locks, watchers) to take in their
   * constructors.
   */
  protected final OpenCheck openCheck() {
    return open;
  }

  /** Canonicalises and checks a user key against the key rules and this backend's limits. */
  protected final String key(String key) {
    return checkLimits(withStore(() -> Keys.canonicalKey(key)));
  }

  /** Canonicalises and checks a directory ("" is the root). */
  protected final String dir(String dir) {
    String d = withStore(() -> Keys.canonicalDirectory(dir));
    return d.isEmpty() ? d : checkLimits(d);
  }

  private String withStore(java.util.function.Supplier<String> s) {
    try {
      return s.get();
    } catch (InvalidKeyException e) {
      throw new InvalidKeyException(e.rule(), e.key().orElse(null), description, null);
    }
  }

  private String checkLimits(String k) {
    Capabilities caps = capabilities();
    // canonicalisation has already held the key to the library's own limit
    int bytes = caps.maxKeyBytes() >= Keys.MAX_KEY_BYTES ? 0 : Keys.utf8Length(k);
    if (bytes > caps.maxKeyBytes()) {
      throw new InvalidKeyException(
          "key is "
              + bytes
              + " UTF-8 bytes long, over this backend's limit of "
              + caps.maxKeyBytes(),
          k.substring(0, Math.min(40, k.length())) + "...",
          description,
          null);
    }
    if (!caps.forbiddenKeyCodePoints().isEmpty()) {
      for (int i = 0; i < k.length(); ) {
        int cp = k.codePointAt(i);
        if (!caps.allowsKeyCodePoint(cp)) {
          throw new InvalidKeyException(
              String.format(
                  "key holds U+%04X at offset %d, which %s refuses", cp, i, caps.backend()),
              k,
              description,
              null);
        }
        i += Character.charCount(cp);
      }
    }
    return k;
  }

  private void checkValue(String key, byte[] value) {
    Objects.requireNonNull(value, "value");
    long limit = capabilities().maxValueBytes();
    if (value.length > limit) {
      throw new ValueTooLargeException(key, description, value.length, limit);
    }
  }

  private void checkTtl(String key, WriteOptions options) {
    Objects.requireNonNull(options, "options");
    if (options.ttl().isEmpty()) {
      return;
    }
    Duration ttl = options.ttl().get();
    Capabilities caps = capabilities();
    if (options.keepAlive()) {
      if (!caps.ephemeralTtl()) {
        throw new CallNotSupportedException(
            caps.backend() + " has no ephemeral keys (TTL with keep-alive)",
            key,
            description,
            null);
      }
      if (ttl.compareTo(caps.minEphemeralTtl()) < 0) {
        throw new TtlTooShortException("ephemeral", key, description, ttl, caps.minEphemeralTtl());
      }
    } else {
      if (!caps.expiringTtl()) {
        throw new CallNotSupportedException(
            caps.backend() + " has no expiring keys (TTL without keep-alive)",
            key,
            description,
            null);
      }
      if (ttl.compareTo(caps.minExpiringTtl()) < 0) {
        throw new TtlTooShortException("expiring", key, description, ttl, caps.minExpiringTtl());
      }
    }
  }

  // ---- the Store API, checked, delegating to the backend

  @Override
  public final void put(String key, byte[] value, WriteOptions options) {
    checkOpen();
    String k = key(key);
    checkValue(k, value);
    checkTtl(k, options);
    if (writes.covers(k)
        && putFitsTransaction(options)
        && Keys.utf8Length(k) + (long) value.length
            <= capabilities().transactionLimits().maxBytes()) {
      // an open view waits for this write's index, which a plain put does not return
      TransactionResult r = doCommit(Transaction.builder().put(k, value, options).build());
      writes.wrote(k, false, r.index().orElse(0));
    } else {
      doPut(k, value, options);
    }
  }

  @Override
  public final void putAll(Map<String, byte[]> entries) {
    checkOpen();
    Objects.requireNonNull(entries, "entries");
    Map<String, byte[]> checked = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      String k = key(e.getKey());
      checkValue(k, e.getValue());
      checked.put(k, e.getValue());
    }
    if (!checked.isEmpty()) {
      doPutAll(checked);
    }
  }

  @Override
  public final KVPair get(String key) {
    checkOpen();
    return doGet(key(key));
  }

  @Override
  public final boolean exists(String key) {
    checkOpen();
    return doExists(key(key));
  }

  @Override
  public final void delete(String key) {
    checkOpen();
    String k = key(key);
    if (writes.covers(k)) {
      TransactionResult r = doCommit(Transaction.builder().delete(k).build());
      writes.wrote(k, true, r.index().orElse(0));
    } else {
      doDelete(k);
    }
  }

  @Override
  public final List<KVPair> list(String dir) {
    checkOpen();
    return doList(dir(dir));
  }

  @Override
  public final void deleteTree(String dir) {
    checkOpen();
    String d = dir(dir);
    if (d.isEmpty()) {
      throw new InvalidKeyException("deleteTree of the root is refused", "", description, null);
    }
    doDeleteTree(d);
  }

  @Override
  public final KVPair atomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    checkOpen();
    String k = key(key);
    checkValue(k, value);
    checkTtl(k, options);
    KVPair stored = doAtomicPut(k, value, previous, options);
    writes.wrote(k, false, stored.lastIndex());
    return stored;
  }

  @Override
  public final void atomicDelete(String key, KVPair previous) {
    checkOpen();
    String k = key(key);
    if (previous == null) {
      throw new PreviousNotSpecifiedException(
          "atomicDelete needs the previous pair", k, description, null);
    }
    if (writes.covers(k)) {
      TransactionResult r = doCommit(Transaction.builder().compareAndDelete(previous).build());
      if (!r.committed()) {
        throw compareFailure(k, r);
      }
      writes.wrote(k, true, r.index().orElse(0));
    } else {
      doAtomicDelete(k, previous);
    }
  }

  private KVException compareFailure(String k, TransactionResult r) {
    boolean present = r.knowsCurrent() ? r.current(k).isPresent() : doExists(k);
    return present
        ? new io.libkv.KeyModifiedException(
            "the key's index is no longer the one given", k, description, null)
        : new io.libkv.KeyNotFoundException("the key is gone", k, description, null);
  }

  @Override
  public final TransactionResult commit(Transaction transaction) {
    checkOpen();
    Objects.requireNonNull(transaction, "transaction");
    Transaction t = transaction.withKeys(this::key);
    Capabilities caps = capabilities();
    Capabilities.TransactionLimits limits = caps.transactionLimits();
    Set<String> written = new java.util.HashSet<>();
    long bytes = 0;
    for (Transaction.Condition c : t.conditions()) {
      bytes += Keys.utf8Length(c.key());
    }
    for (Transaction.Operation o : t.operations()) {
      if (!written.add(o.key())) {
        throw new IllegalArgumentException(
            "key " + o.key() + " is written twice in one transaction");
      }
      bytes += Keys.utf8Length(o.key());
      if (o instanceof Transaction.Put p) {
        checkValue(p.key(), p.valueUnsafe());
        checkTtl(p.key(), p.options());
        if (!putFitsTransaction(p.options())) {
          throw new CallNotSupportedException(
              caps.backend()
                  + " cannot apply a "
                  + (p.options().keepAlive() ? "ephemeral" : "expiring")
                  + " put inside a transaction",
              p.key(),
              description,
              null);
        }
        bytes += p.valueUnsafe().length;
      }
    }
    int conditions = t.conditions().size();
    int operations = t.operations().size();
    checkLimit("conditions", conditions, limits.maxConditions());
    checkLimit("operations", operations, limits.maxOperations());
    checkLimit("steps", (long) conditions + operations, limits.maxSteps());
    checkLimit("bytes", bytes, limits.maxBytes());
    TransactionResult r = doCommit(t);
    if (r.committed()) {
      for (Transaction.Operation o : t.operations()) {
        Long i = r.indexes().get(o.key());
        writes.wrote(o.key(), o instanceof Transaction.Delete, i != null ? i : r.index().orElse(0));
      }
    }
    return r;
  }

  private void checkLimit(String name, long size, long limit) {
    if (size > limit) {
      throw new TransactionTooLargeException(name, size, limit, description);
    }
  }

  private boolean putFitsTransaction(WriteOptions options) {
    if (options.ttl().isEmpty()) {
      return true;
    }
    Capabilities.TransactionLimits l = capabilities().transactionLimits();
    return options.keepAlive() ? l.ephemeralPuts() : l.expiringPuts();
  }

  @Override
  public final View view(String dir, ViewOptions options) {
    checkOpen();
    Objects.requireNonNull(options, "options");
    return CachedView.open(this, dir(dir), options, writes);
  }

  @Override
  public final Watch<KeyEvent> watch(String key, WatchOptions options) {
    checkOpen();
    Objects.requireNonNull(options, "options");
    String k = key(key);
    EventChannel<KeyEvent> ch =
        EventChannel.polling(
            "key " + k + " on " + description, options.bufferSize(), Coalescers.KEY);
    return startWatch(ch, () -> doWatch(k, options, ch));
  }

  @Override
  public final Watch<TreeEvent> watchTree(String dir, WatchOptions options) {
    checkOpen();
    Objects.requireNonNull(options, "options");
    String d = dir(dir);
    EventChannel<TreeEvent> ch =
        EventChannel.polling(
            "tree " + (d.isEmpty() ? "/" : d) + " on " + description,
            options.bufferSize(),
            Coalescers.TREE);
    return startWatch(ch, () -> doWatchTree(d, options, ch));
  }

  @Override
  public final Subscription watch(
      String key, WatchOptions options, WatchListener<KeyEvent> listener, Executor executor) {
    checkOpen();
    Objects.requireNonNull(options, "options");
    String k = key(key);
    EventChannel<KeyEvent> ch =
        EventChannel.listening(
            "key " + k + " on " + description,
            options.bufferSize(),
            Coalescers.KEY,
            listener,
            executor);
    return startWatch(ch, () -> doWatch(k, options, ch))::close;
  }

  @Override
  public final Subscription watchTree(
      String dir, WatchOptions options, WatchListener<TreeEvent> listener, Executor executor) {
    checkOpen();
    Objects.requireNonNull(options, "options");
    String d = dir(dir);
    EventChannel<TreeEvent> ch =
        EventChannel.listening(
            "tree " + (d.isEmpty() ? "/" : d) + " on " + description,
            options.bufferSize(),
            Coalescers.TREE,
            listener,
            executor);
    return startWatch(ch, () -> doWatchTree(d, options, ch))::close;
  }

  private <E> EventChannel<E> startWatch(EventChannel<E> ch, Runnable start) {
    channels.add(ch);
    made.add(ch);
    ch.done().whenComplete((v, e) -> channels.remove(ch));
    try {
      start.run();
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  /** How many watches of this store are open (for leak checks). */
  public final int openWatches() {
    return channels.size();
  }

  /**
   * What the backend still keeps for watches, by kind (the watchers of its {@link WatchHub},
   * server-side watches, streams): for leak checks, which expect every count to be 0 once every
   * watch is closed. A hub shared by the stores of one data set (a memory name, a bbolt bucket)
   * counts only this store's watchers ({@link #madeHere}).
   */
  public abstract Map<String, Integer> watchResources();

  /** Whether {@code channel} is a watch of this store (to tell its watchers in a shared hub). */
  protected final boolean madeHere(EventChannel<?> channel) {
    return made.contains(channel);
  }

  @Override
  public final Lock newLock(String key, LockOptions options) {
    checkOpen();
    Objects.requireNonNull(options, "options");
    String k = key(key);
    Capabilities caps = capabilities();
    if (!caps.ephemeralTtl()) {
      throw new CallNotSupportedException(
          caps.backend() + " cannot keep a lock alive", k, description, null);
    }
    Duration ttl = options.effectiveTtl(caps.minEphemeralTtl());
    if (ttl.compareTo(caps.minEphemeralTtl()) < 0) {
      throw new TtlTooShortException("lock", k, description, ttl, caps.minEphemeralTtl());
    }
    return doNewLock(k, options, ttl);
  }

  /**
   * The local part of the status; backends with servers override and add to {@link
   * #statusBuilder()}.
   */
  @Override
  public StoreStatus status() {
    return statusBuilder().build();
  }

  /** A status builder holding the description, the backend and the last connection state. */
  protected final StoreStatus.Builder statusBuilder() {
    checkOpen();
    return StoreStatus.builder(description, capabilities().backend(), connectionState);
  }

  @Override
  public final Subscription onConnectionStateChange(
      Consumer<ConnectionState> listener, Executor executor) {
    checkOpen();
    Objects.requireNonNull(listener, "listener");
    EventChannel<ConnectionState> ch =
        EventChannel.listening(
            "connection of " + description, 64, Coalescers.latest(), listener::accept, executor);
    connectionListeners.add(ch);
    ch.onClose(() -> connectionListeners.remove(ch));
    return ch::close;
  }

  @Override
  public final Subscription onKeepAlive(Consumer<KeepAliveEvent> listener, Executor executor) {
    checkOpen();
    Objects.requireNonNull(listener, "listener");
    // unbounded: a metrics listener counts every renewal, and there are a few per TTL
    EventChannel<KeepAliveEvent> ch =
        EventChannel.listening(
            "keep-alive of " + description,
            Integer.MAX_VALUE,
            Coalescers.latest(),
            listener::accept,
            executor);
    keepAliveListeners.add(ch);
    ch.onClose(() -> keepAliveListeners.remove(ch));
    return ch::close;
  }

  /**
   * What the backend's {@link KeepAlive}s report to: pass it to {@link KeepAlive#start(String,
   * Duration, long, io.libkv.TimeSource, Executor, KeepAlive.Renewal, Consumer, Consumer)} so that
   * {@link #onKeepAlive} listeners hear of every renewal.
   */
  protected final Consumer<KeepAliveEvent> keepAliveReporter() {
    return e -> {
      for (EventChannel<KeepAliveEvent> ch : keepAliveListeners) {
        ch.offer(e);
      }
    };
  }

  /** Tells connection listeners of a new state. */
  protected final void fireConnectionState(ConnectionState state) {
    connectionState = state == ConnectionState.RECONNECTED ? ConnectionState.CONNECTED : state;
    for (EventChannel<ConnectionState> ch : connectionListeners) {
      ch.offer(state);
    }
  }

  @Override
  public final void close() {
    if (!open.close()) {
      return;
    }
    writes.storeClosed();
    try {
      doClose();
    } finally {
      for (EventChannel<?> ch : channels) {
        ch.close();
      }
      for (EventChannel<ConnectionState> ch : connectionListeners) {
        ch.close();
      }
      for (EventChannel<KeepAliveEvent> ch : keepAliveListeners) {
        ch.close();
      }
    }
  }

  /** An exception to end watches with when the store fails for good. */
  protected final KVException storeFailure(String message, Throwable cause) {
    return new KVException(message, null, description, cause);
  }

  // ---- what a backend implements; arguments are canonical and validated

  /** Writes; the value array must not be retained. */
  protected abstract void doPut(String key, byte[] value, WriteOptions options);

  /** Writes plain values, atomically if the backend can (default: one by one). */
  protected void doPutAll(Map<String, byte[]> entries) {
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      doPut(e.getKey(), e.getValue(), WriteOptions.DEFAULT);
    }
  }

  /** Reads, or throws {@link io.libkv.KeyNotFoundException}. */
  protected abstract KVPair doGet(String key);

  /** Whether the key exists. */
  protected abstract boolean doExists(String key);

  /** Deletes; absent is fine. */
  protected abstract void doDelete(String key);

  /** Lists below a directory ("" = root), sorted, without reserved keys. */
  protected abstract List<KVPair> doList(String dir);

  /** Deletes a directory and all below it. */
  protected abstract void doDeleteTree(String dir);

  /** Compare-and-set; {@code previous == null} means create-only. */
  protected abstract KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options);

  /** Compare-and-delete. */
  protected abstract void doAtomicDelete(String key, KVPair previous);

  /**
   * Applies a transaction atomically: keys canonical, values, TTLs and limits checked, no key
   * written twice. On success the result names the new index of every key put and the commit's
   * index; on failure the first condition (in order) that did not hold, and the compared keys'
   * current pairs when read in the same step. Throws {@link io.libkv.UnknownOutcomeException} when
   * the outcome cannot be known; never retries.
   */
  protected TransactionResult doCommit(Transaction transaction) {
    throw new CallNotSupportedException(
        capabilities().backend() + " has no transactions yet", null, description, null);
  }

  /** Starts feeding a key watch into {@code channel}. */
  protected abstract void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel);

  /** Starts feeding a tree watch into {@code channel}. */
  protected abstract void doWatchTree(
      String dir, WatchOptions options, EventChannel<TreeEvent> channel);

  /** Makes a lock with its effective TTL. */
  protected abstract Lock doNewLock(String key, LockOptions options, Duration ttl);

  /** Releases sessions, leases, locks, connections; watches are closed afterwards by the caller. */
  protected abstract void doClose();
}
