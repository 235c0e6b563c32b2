package io.libkv.faults;

import io.libkv.ConnectionState;
import io.libkv.InvalidKeyException;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.Subscription;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.UpdateOptions;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.util.ForwardingStore;
import io.libkv.util.SerialExecutor;
import io.libkv.util.Updates;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Store} that passes every call to another store and injects faults on command, so that a
 * test can check an application's failure handling over any store ({@code memory:}, a bbolt file, a
 * real server) without breaking a server.
 *
 * <pre>{@code
 * FaultInjectingStore store = FaultInjectingStore.wrap(LibKV.open("memory:"));
 * try (Fault f = store.refuse(Calls.of(Operation.GET).first(2))) {
 *   // the next two gets throw StoreUnavailableException
 * }
 * store.unknownOutcome(WriteOutcome.applied()); // the next write applies, then its answer is lost
 * }</pre>
 *
 * <p>Faults are added by the methods below and removed by closing the {@link Fault} each returns,
 * or all at once by {@link #heal()}. Several may be active; for each call the decorator applies, in
 * this order: the {@linkplain #delay delays} that match it, the {@linkplain #loseSession session
 * loss}, the {@linkplain #refuse refusals}, and for a write the {@linkplain #unknownOutcome unknown
 * outcome}. A call whose arguments are invalid (a null, a key that breaks the key rules) is passed
 * on untouched, so it fails as it would without the decorator. {@link #calls()} and {@link
 * #count(Operation)} tell what calls were made and what the faults did to each; {@link #toString()}
 * names the active faults.
 *
 * <h2>What each fault does, and what it does not simulate</h2>
 *
 * <ul>
 *   <li>{@link #refuse(Calls)}: matching calls throw {@link StoreUnavailableException}, built as a
 *       backend builds it (canonical key, the wrapped store's description, the endpoints named in
 *       that description), and never reach the wrapped store; so a write refused this way is known
 *       not to have applied, as {@code docs/errors.md} says. It does not make the wrapped store's
 *       own keep-alives fail: leases and sessions of the wrapped store stay alive (use {@link
 *       #loseSession()} for that), and its open watches go on delivering.
 *   <li>{@link #unknownOutcome(WriteOutcome, Calls)}: the matching write throws {@link
 *       UnknownOutcomeException}, after being passed to the wrapped store ({@link
 *       WriteOutcome#applied()}: the store applies it, or refuses it, for a failed compare-and-set,
 *       and the caller learns neither) or without ({@link WriteOutcome#notApplied()}). A write that
 *       is not applied is never checked by the wrapped store, so a value too large fails as an
 *       unknown outcome instead of {@code ValueTooLargeException}.
 *   <li>{@link #delay(Duration, Calls)}: matching calls wait, on the caller's thread, before going
 *       on. An interrupt ends the wait: the call then throws {@link StoreUnavailableException} (its
 *       cause the {@link InterruptedException}) with the thread's interrupt flag set, and is not
 *       passed on. Removing the delay (or {@link #heal()}, or closing the store) lets the calls
 *       waiting in it go on at once. The wrapped store's background work (keep-alives, watch
 *       streams) is not delayed.
 *   <li>{@link #loseSession()}: connection listeners registered through this decorator get {@link
 *       ConnectionState#SUSPENDED} then {@link ConnectionState#LOST} on their executors; every lock
 *       lease handed out through it is lost ({@link LockLease#lost()} completes, {@link
 *       LockLease#isHeld()} is false, {@link LockLease#checkHeld()} throws {@code
 *       LockLostException}) and released in the wrapped store, so another client can take the lock
 *       at once; every ephemeral key written through it ({@link WriteOptions#isEphemeral()}) is
 *       deleted from the wrapped store; every call then fails as unavailable until the loss is
 *       removed ({@link ConnectionState#RECONNECTED} to the listeners). It does not end the wrapped
 *       store's real session or lease, which the server does not know about: keys and locks written
 *       through the wrapped store directly, or through another decorator of it, stay; an ephemeral
 *       key is deleted even if another client overwrote it since (a real server would have left the
 *       other client's write); a decorator cannot make a server expire a lease, so nothing is seen
 *       by clients that watch the server for a session's end other than the key deletions and lock
 *       releases. Watches go on delivering; {@link #dropWatches()} simulates what a reconnect does
 *       to them.
 *   <li>{@link #dropWatches()}: every watch opened through this decorator (both the {@link Watch}
 *       and the listener shapes) loses its stream: the events it had not yet delivered are dropped,
 *       it re-reads the state, delivers it as one {@link io.libkv.EventType#RESYNC} event (a key's
 *       pair, or a directory's full list; its index never below one the watch delivered) and then
 *       goes on with the changes after it, as a backend does after a lost stream or compacted
 *       history. It does not lose the wrapped store's own watch stream.
 * </ul>
 *
 * <p>Only what goes through this decorator is faulted: the wrapped store, used directly, behaves as
 * before. {@link #status()}, {@link #capabilities()} and {@link #description()} are never faulted.
 * Thread-safe.
 */
public final class FaultInjectingStore extends ForwardingStore {
  /** How many calls {@link #calls()} keeps; {@link #count(Operation)} counts them all. */
  private static final int HISTORY = 10_000;

  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<String> endpoints;
  private final Map<Operation, AtomicLong> counts = new EnumMap<>(Operation.class);
  private final ArrayDeque<Call> history = new ArrayDeque<>();
  private final Set<Droppable> watches = ConcurrentHashMap.newKeySet();
  private final Set<FaultLease> leases = ConcurrentHashMap.newKeySet();
  private final Set<ConnectionListener> listeners = ConcurrentHashMap.newKeySet();

  /**
   * Ephemeral keys written here, each with the index written or 0 where the write returned none.
   */
  private final Map<String, Long> ephemeral = new ConcurrentHashMap<>();

  private final Object sessionLock = new Object();

  // guarded by sessionLock
  private @Nullable SessionLoss session;
  private volatile boolean closed;

  private FaultInjectingStore(Store delegate) {
    super(delegate);
    for (Operation o : Operation.values()) {
      counts.put(o, new AtomicLong());
    }
    this.endpoints = endpoints(delegate.description());
  }

  /**
   * Wraps {@code store}; no fault is active until one is added. Closing the decorator closes the
   * store.
   *
   * @throws NullPointerException if {@code store} is null
   */
  public static FaultInjectingStore wrap(Store store) {
    return new FaultInjectingStore(Objects.requireNonNull(store, "store"));
  }

  /** The store every call goes to, unfaulted: for tests that check what really happened in it. */
  @Override
  public Store delegate() {
    return super.delegate();
  }

  // ---- the faults

  /**
   * Refuses the matching calls as unavailable: each throws {@link StoreUnavailableException}
   * without reaching the wrapped store.
   *
   * @throws NullPointerException if {@code calls} is null
   * @throws IllegalStateException if the store is closed
   */
  public Fault refuse(Calls calls) {
    return add(new Rule(Rule.Kind.REFUSE, calls, Duration.ZERO, WriteOutcome.notApplied()));
  }

  /**
   * Makes the next write's outcome unknown: {@code unknownOutcome(outcome,
   * Calls.writes().first(1))}.
   */
  public Fault unknownOutcome(WriteOutcome outcome) {
    return unknownOutcome(outcome, Calls.writes().first(1));
  }

  /**
   * Makes the matching writes' outcomes unknown: each throws {@link UnknownOutcomeException},
   * having been applied by the wrapped store or not as {@code outcome} says.
   *
   * @throws IllegalArgumentException if {@code calls} names an operation that is not a write
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the store is closed
   */
  public Fault unknownOutcome(WriteOutcome outcome, Calls calls) {
    Objects.requireNonNull(outcome, "outcome");
    if (!calls.onlyWrites()) {
      throw new IllegalArgumentException(
          "only writes can have an unknown outcome, not " + calls.operations());
    }
    return add(new Rule(Rule.Kind.UNKNOWN_OUTCOME, calls, Duration.ZERO, outcome));
  }

  /**
   * Delays the matching calls by {@code delay} each, on the caller's thread, interruptibly.
   *
   * @throws IllegalArgumentException if {@code delay} is not positive
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the store is closed
   */
  public Fault delay(Duration delay, Calls calls) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative() || delay.isZero()) {
      throw new IllegalArgumentException("delay must be positive, was " + delay);
    }
    return add(new Rule(Rule.Kind.DELAY, calls, delay, WriteOutcome.notApplied()));
  }

  /**
   * Suspends and loses the session now (see the class comment for what that does and does not
   * simulate); returns once the listeners were told (on their executors), the locks released and
   * the ephemeral keys deleted. Closing the returned fault (or {@link #heal()}) reconnects: calls
   * go through again and listeners get {@link ConnectionState#RECONNECTED}; what was lost stays
   * lost.
   *
   * @throws IllegalStateException if the session is already lost, or the store is closed
   */
  public Fault loseSession() {
    checkOpen();
    SessionLoss s = new SessionLoss();
    synchronized (sessionLock) {
      if (session != null) {
        throw new IllegalStateException("the session is already lost; close that fault first");
      }
      session = s;
    }
    tell(ConnectionState.SUSPENDED);
    for (FaultLease l : List.copyOf(leases)) {
      l.loseBySession();
    }
    for (Map.Entry<String, Long> e : List.copyOf(ephemeral.entrySet())) {
      ephemeral.remove(e.getKey());
      deleteEphemeral(e.getKey(), e.getValue());
    }
    tell(ConnectionState.LOST);
    return s;
  }

  private void deleteEphemeral(String key, long index) {
    try {
      if (index == 0) {
        delegate().delete(key);
        return;
      }
      KVPair p = delegate().get(key);
      if (p.lastIndex() == index) {
        delegate().atomicDelete(key, p);
      }
    } catch (KeyNotFoundException | KeyModifiedException gone) {
      // deleted or rewritten by someone else since: not this session's key any more
    }
  }

  /**
   * Makes every watch opened through this decorator lose its stream and deliver its re-read state
   * as a {@code RESYNC}, then the changes after it. A watch whose stream cannot be opened again
   * (the wrapped store is unavailable) ends with that error, as a backend's watch that cannot
   * continue.
   *
   * @return how many open watches were dropped
   * @throws IllegalStateException if the store is closed
   */
  public int dropWatches() {
    checkOpen();
    int n = 0;
    for (Droppable w : List.copyOf(watches)) {
      if (w.drop()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Removes every fault: no call is refused, delayed or made unknown any more, and a lost session
   * reconnects. Locks and ephemeral keys lost stay lost; counts and {@link #calls()} are kept.
   */
  public void heal() {
    for (Rule r : List.copyOf(rules)) {
      r.close();
    }
    SessionLoss s;
    synchronized (sessionLock) {
      s = session;
    }
    if (s != null) {
      s.close();
    }
  }

  /** Every fault active now, in the order they were added; the session loss last. */
  public List<Fault> activeFaults() {
    List<Fault> all = new ArrayList<>(rules);
    synchronized (sessionLock) {
      if (session != null) {
        all.add(session);
      }
    }
    return List.copyOf(all);
  }

  // ---- what happened

  /** The calls made through this decorator, oldest first (the last 10,000). */
  public List<Call> calls() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /**
   * The calls of {@code operation} made through this decorator, oldest first (of the last 10,000).
   */
  public List<Call> calls(Operation operation) {
    Objects.requireNonNull(operation, "operation");
    return calls().stream().filter(c -> c.operation() == operation).collect(Collectors.toList());
  }

  /** How many calls of {@code operation} were made through this decorator, faulted or not. */
  public long count(Operation operation) {
    return Objects.requireNonNull(counts.get(Objects.requireNonNull(operation, "operation"))).get();
  }

  /** Forgets the calls made so far: {@link #calls()} and every count start again from nothing. */
  public void clearCalls() {
    synchronized (history) {
      history.clear();
      counts.values().forEach(c -> c.set(0));
    }
  }

  @Override
  public String toString() {
    List<Fault> active = activeFaults();
    return "FaultInjectingStore["
        + delegate().description()
        + (active.isEmpty()
            ? ", no fault"
            : ", faults: "
                + active.stream().map(Object::toString).collect(Collectors.joining("; ")))
        + "]";
  }

  // ---- the Store calls

  @Override
  public void put(String key, byte[] value) {
    put(key, value, WriteOptions.DEFAULT);
  }

  @Override
  public void put(String key, byte[] value, WriteOptions options) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(options, "options");
    run(
        Operation.PUT,
        canonicalKey(key),
        () -> {
          delegate().put(key, value, options);
          wrote(key, options, 0);
        });
  }

  @Override
  public void putAll(Map<String, byte[]> entries) {
    Objects.requireNonNull(entries, "entries");
    for (String k : entries.keySet()) {
      if (canonicalKey(k) == null) {
        // an invalid key fails in the wrapped store, as without the decorator
        delegate().putAll(entries);
        return;
      }
    }
    run(
        Operation.PUT_ALL,
        "",
        () -> {
          delegate().putAll(entries);
          entries.keySet().forEach(k -> ephemeral.remove(canonicalOr(k)));
        });
  }

  @Override
  public KVPair get(String key) {
    return call(Operation.GET, canonicalKey(key), () -> delegate().get(key));
  }

  @Override
  public boolean exists(String key) {
    return call(Operation.EXISTS, canonicalKey(key), () -> delegate().exists(key));
  }

  @Override
  public void delete(String key) {
    run(
        Operation.DELETE,
        canonicalKey(key),
        () -> {
          delegate().delete(key);
          ephemeral.remove(canonicalOr(key));
        });
  }

  @Override
  public List<KVPair> list(String dir) {
    return call(Operation.LIST, canonicalDirectory(dir), () -> delegate().list(dir));
  }

  @Override
  public void deleteTree(String dir) {
    String c = canonicalDirectory(dir);
    // the root is refused by the wrapped store, as an invalid key
    String d = c == null || c.isEmpty() ? null : c;
    run(
        Operation.DELETE_TREE,
        d,
        () -> {
          delegate().deleteTree(dir);
          if (d != null) {
            ephemeral.keySet().removeIf(k -> k.equals(d) || Keys.isBelow(k, d));
          }
        });
  }

  @Override
  public TransactionResult commit(Transaction transaction) {
    Objects.requireNonNull(transaction, "transaction");
    String first = canonicalKey(transaction.operations().get(0).key());
    if (first == null) {
      return delegate().commit(transaction); // refused there, as without the decorator
    }
    return call(
        Operation.COMMIT,
        first,
        () -> {
          TransactionResult r = delegate().commit(transaction);
          if (r.committed()) {
            for (Transaction.Operation o : transaction.operations()) {
              if (o instanceof Transaction.Put p) {
                Long index = r.indexes().get(canonicalOr(p.key()));
                wrote(p.key(), p.options(), index == null ? 0 : index);
              } else {
                ephemeral.remove(canonicalOr(o.key()));
              }
            }
          }
          return r;
        });
  }

  @Override
  public KVPair update(String key, Function<Optional<KVPair>, byte[]> fn) {
    return update(key, UpdateOptions.DEFAULT, fn);
  }

  @Override
  public KVPair update(String key, UpdateOptions options, Function<Optional<KVPair>, byte[]> fn) {
    // the shared loop over this store's get and commit, so their faults reach it
    return Updates.update(this, key, options, fn);
  }

  @Override
  public KVPair atomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(options, "options");
    return call(
        Operation.ATOMIC_PUT,
        canonicalKey(key),
        () -> {
          KVPair p = delegate().atomicPut(key, value, previous, options);
          wrote(key, options, p.lastIndex());
          return p;
        });
  }

  @Override
  public KVPair atomicCreate(String key, byte[] value, WriteOptions options) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(options, "options");
    return call(
        Operation.ATOMIC_CREATE,
        canonicalKey(key),
        () -> {
          KVPair p = delegate().atomicCreate(key, value, options);
          wrote(key, options, p.lastIndex());
          return p;
        });
  }

  @Override
  public void atomicDelete(String key, KVPair previous) {
    run(
        Operation.ATOMIC_DELETE,
        canonicalKey(key),
        () -> {
          delegate().atomicDelete(key, previous);
          ephemeral.remove(canonicalOr(key));
        });
  }

  @Override
  public Watch<KeyEvent> watch(String key) {
    return polling(
        Operation.WATCH,
        canonicalKey(key),
        () -> delegate().watch(key),
        () -> delegate().watch(key),
        EventShape.KEY);
  }

  @Override
  public Watch<KeyEvent> watch(String key, WatchOptions options) {
    WatchOptions again = reopened(options);
    return polling(
        Operation.WATCH,
        canonicalKey(key),
        () -> delegate().watch(key, options),
        () -> delegate().watch(key, again),
        EventShape.KEY);
  }

  @Override
  public Watch<TreeEvent> watchTree(String dir) {
    return polling(
        Operation.WATCH_TREE,
        canonicalDirectory(dir),
        () -> delegate().watchTree(dir),
        () -> delegate().watchTree(dir),
        EventShape.TREE);
  }

  @Override
  public Watch<TreeEvent> watchTree(String dir, WatchOptions options) {
    WatchOptions again = reopened(options);
    return polling(
        Operation.WATCH_TREE,
        canonicalDirectory(dir),
        () -> delegate().watchTree(dir, options),
        () -> delegate().watchTree(dir, again),
        EventShape.TREE);
  }

  @Override
  public Subscription watch(
      String key, WatchOptions options, WatchListener<KeyEvent> listener, Executor executor) {
    WatchOptions again = reopened(options);
    return listening(
        Operation.WATCH,
        canonicalKey(key),
        (l, first) -> delegate().watch(key, first ? options : again, l, executor),
        listener,
        executor,
        EventShape.KEY);
  }

  @Override
  public Subscription watchTree(
      String dir, WatchOptions options, WatchListener<TreeEvent> listener, Executor executor) {
    WatchOptions again = reopened(options);
    return listening(
        Operation.WATCH_TREE,
        canonicalDirectory(dir),
        (l, first) -> delegate().watchTree(dir, first ? options : again, l, executor),
        listener,
        executor,
        EventShape.TREE);
  }

  /** A dropped watch opens again from the current state, with the buffer it had. */
  private static WatchOptions reopened(WatchOptions o) {
    return WatchOptions.builder()
        .bufferSize(Objects.requireNonNull(o, "options").bufferSize())
        .build();
  }

  /** A polling watch: opened by {@code first}, by {@code reopen} after each drop. */
  private <E> Watch<E> polling(
      Operation op,
      @Nullable String key,
      Supplier<Watch<E>> first,
      Supplier<Watch<E>> reopen,
      EventShape<E> shape) {
    return call(
        op,
        key,
        () -> {
          Droppable[] self = new Droppable[1];
          ResyncingWatch<E> w =
              new ResyncingWatch<>(first.get(), shape, reopen, () -> forget(self[0]));
          self[0] = w;
          watches.add(w);
          if (w.done().isDone()) {
            watches.remove(w);
          }
          return w;
        });
  }

  /** Opens a listener watch on the wrapped store: the first time with the caller's options. */
  private interface ListenerOpener<E> {
    Subscription open(WatchListener<E> listener, boolean first);
  }

  private <E> Subscription listening(
      Operation op,
      @Nullable String key,
      ListenerOpener<E> opener,
      WatchListener<E> listener,
      Executor executor,
      EventShape<E> shape) {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(executor, "executor");
    return call(
        op,
        key,
        () -> {
          boolean[] opened = new boolean[1];
          Droppable[] self = new Droppable[1];
          ResyncingSubscription<E> s =
              ResyncingSubscription.open(
                  l -> {
                    boolean first = !opened[0];
                    opened[0] = true;
                    return opener.open(l, first);
                  },
                  listener,
                  shape,
                  () -> forget(self[0]));
          self[0] = s;
          watches.add(s);
          return s;
        });
  }

  private void forget(@Nullable Droppable w) {
    // null: the watch ended while it was being made; it is not registered then
    if (w != null) {
      watches.remove(w);
    }
  }

  @Override
  public Lock newLock(String key) {
    return new FaultLock(this, delegate().newLock(key));
  }

  @Override
  public Lock newLock(String key, LockOptions options) {
    return new FaultLock(this, delegate().newLock(key, options));
  }

  @Override
  public Subscription onConnectionStateChange(
      Consumer<ConnectionState> listener, Executor executor) {
    checkOpen();
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(executor, "executor");
    // the wrapped store's states and the injected ones reach the listener in one order, one at a
    // time
    SerialExecutor serial =
        SerialExecutor.on("connection listener of " + delegate().description(), executor);
    Subscription real =
        delegate()
            .onConnectionStateChange(s -> serial.offer(() -> listener.accept(s)), Runnable::run);
    ConnectionListener c = new ConnectionListener(listener, serial, real);
    listeners.add(c);
    return c;
  }

  @Override
  public void close() {
    closed = true;
    try {
      delegate().close();
    } finally {
      for (Droppable w : List.copyOf(watches)) {
        w.close();
      }
      watches.clear();
      for (ConnectionListener c : List.copyOf(listeners)) {
        c.close();
      }
      leases.clear();
      rules.forEach(Rule::close);
    }
  }

  // ---- how a call goes through the faults

  /** A call passed on to the wrapped store. */
  @FunctionalInterface
  private interface Forward<T> {
    T run();
  }

  /**
   * Runs {@code forward} through the active faults. A null {@code key} means the call's key is
   * invalid: it is passed on untouched, so the wrapped store reports it.
   */
  private <T> T call(Operation op, @Nullable String key, Forward<T> forward) {
    if (key == null) {
      return forward.run();
    }
    checkOpen();
    List<FaultKind> fired = new ArrayList<>(2);
    boolean reached = false;
    try {
      for (Rule r : rules) {
        if (r.kind == Rule.Kind.DELAY && r.fire(op)) {
          fired.add(FaultKind.DELAYED);
          r.sleep(op, key);
        }
      }
      if (sessionLost()) {
        fired.add(FaultKind.SESSION_LOST);
        throw unavailable("the session was lost (injected by FaultInjectingStore)", key, null);
      }
      for (Rule r : rules) {
        if (r.kind == Rule.Kind.REFUSE && r.fire(op)) {
          fired.add(FaultKind.REFUSED);
          throw unavailable("store unavailable (injected by FaultInjectingStore)", key, null);
        }
      }
      if (op.isWrite()) {
        for (Rule r : rules) {
          if (r.kind == Rule.Kind.UNKNOWN_OUTCOME && r.fire(op)) {
            boolean applied = r.outcome.choose();
            if (applied) {
              reached = true;
              try {
                forward.run();
              } catch (KVException refused) {
                // its answer is lost with the connection, as the success would have been
              }
            }
            fired.add(
                applied
                    ? FaultKind.UNKNOWN_OUTCOME_APPLIED
                    : FaultKind.UNKNOWN_OUTCOME_NOT_APPLIED);
            throw new UnknownOutcomeException(
                "the connection was lost after the write was sent (injected by"
                    + " FaultInjectingStore); the write may or may not have applied",
                key.isEmpty() ? null : key,
                delegate().description(),
                endpoints,
                null);
          }
        }
      }
      reached = true;
      return forward.run();
    } finally {
      record(new Call(op, op == Operation.PUT_ALL ? null : key, fired, reached));
    }
  }

  /** {@link #call} for a call that returns nothing. */
  private void run(Operation op, @Nullable String key, Runnable forward) {
    call(
        op,
        key,
        () -> {
          forward.run();
          return Boolean.TRUE;
        });
  }

  /** Lock acquisition's part of {@link #call}: faults only, the lock itself waits outside. */
  void beforeLock(String key) {
    run(Operation.LOCK, key, () -> {});
  }

  /** A lease acquired through the decorator: lost with the session, at once if it is lost now. */
  LockLease handOut(LockLease inner) {
    FaultLease[] self = new FaultLease[1];
    FaultLease l =
        new FaultLease(
            inner,
            delegate().description(),
            () -> {
              if (self[0] != null) {
                leases.remove(self[0]);
              }
            });
    self[0] = l;
    leases.add(l);
    if (sessionLost()) {
      l.loseBySession();
    }
    return l;
  }

  private StoreUnavailableException unavailable(
      String message, String key, @Nullable Throwable cause) {
    return new StoreUnavailableException(
        message, key.isEmpty() ? null : key, delegate().description(), endpoints, cause);
  }

  private void record(Call c) {
    synchronized (history) {
      Objects.requireNonNull(counts.get(c.operation())).incrementAndGet();
      if (history.size() == HISTORY) {
        history.removeFirst();
      }
      history.addLast(c);
    }
  }

  private void wrote(String key, WriteOptions options, long index) {
    String k = canonicalOr(key);
    if (options.isEphemeral()) {
      ephemeral.put(k, index);
    } else {
      ephemeral.remove(k);
    }
  }

  private boolean sessionLost() {
    synchronized (sessionLock) {
      return session != null;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the store is closed: " + delegate().description());
    }
  }

  private Fault add(Rule r) {
    checkOpen();
    rules.add(r);
    return r;
  }

  private void tell(ConnectionState state) {
    for (ConnectionListener c : listeners) {
      c.tell(state);
    }
  }

  /** The canonical form of a valid key, or null for one the wrapped store will refuse. */
  private static @Nullable String canonicalKey(String key) {
    Objects.requireNonNull(key, "key");
    try {
      return Keys.canonicalKey(key);
    } catch (InvalidKeyException e) {
      return null;
    }
  }

  private static @Nullable String canonicalDirectory(String dir) {
    Objects.requireNonNull(dir, "dir");
    try {
      return Keys.canonicalDirectory(dir);
    } catch (InvalidKeyException e) {
      return null;
    }
  }

  private static String canonicalOr(String key) {
    String k = canonicalKey(key);
    return k == null ? key : k;
  }

  /** The endpoints a URI-like description names ({@code etcd://a:1,b:2/p}); none for local ones. */
  static List<String> endpoints(String description) {
    int start = description.indexOf("://");
    if (start < 0) {
      return List.of();
    }
    String rest = description.substring(start + 3);
    int end = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = rest.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String authority = rest.substring(0, end);
    int at = authority.lastIndexOf('@');
    authority = authority.substring(at + 1);
    return authority.isEmpty()
        ? List.of()
        : Arrays.stream(authority.split(",")).filter(s -> !s.isEmpty()).toList();
  }

  // ---- fault handles

  /** A refusal, unknown outcome or delay: which calls, how many left, what it does. */
  private final class Rule implements Fault {
    enum Kind {
      REFUSE,
      UNKNOWN_OUTCOME,
      DELAY
    }

    final Kind kind;
    final Calls calls;
    final Duration delay;
    final WriteOutcome outcome;
    // calls left for a limited rule; unused (Long.MAX_VALUE) for an unlimited one
    private final AtomicLong left;
    private final AtomicLong fired = new AtomicLong();
    // a delay's waiting calls go on at once when it is removed
    private final CountDownLatch removed = new CountDownLatch(1);
    private volatile boolean active = true;

    Rule(Kind kind, Calls calls, Duration delay, WriteOutcome outcome) {
      this.kind = kind;
      this.calls = Objects.requireNonNull(calls, "calls");
      this.delay = delay;
      this.outcome = outcome;
      this.left = new AtomicLong(calls.limit().orElse(Long.MAX_VALUE));
    }

    /** Whether the rule acts on this call; a limited rule counts it and ends when used up. */
    boolean fire(Operation op) {
      if (!active || !calls.matches(op)) {
        return false;
      }
      if (calls.limit().isPresent()) {
        long n = left.getAndUpdate(x -> x > 0 ? x - 1 : 0);
        if (n <= 0) {
          return false;
        }
        if (n == 1) {
          close();
        }
      }
      fired.incrementAndGet();
      return true;
    }

    /** A delay's wait: until it is over or the fault removed; an interrupt ends the call. */
    void sleep(Operation op, String key) {
      try {
        // over or removed, the call goes on either way
        boolean unused = removed.await(delay.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable(
            "interrupted while delayed (injected by FaultInjectingStore) before " + op, key, e);
      }
    }

    @Override
    public long fired() {
      return fired.get();
    }

    @Override
    public boolean isActive() {
      return active;
    }

    @Override
    public void close() {
      active = false;
      rules.remove(this);
      removed.countDown();
    }

    @Override
    public String toString() {
      switch (kind) {
        case REFUSE:
          return "refuse " + calls;
        case UNKNOWN_OUTCOME:
          return "unknown outcome (" + outcome + ") of " + calls;
        default:
          return "delay " + delay + " of " + calls;
      }
    }
  }

  /** The session loss in force; closing it reconnects. */
  private final class SessionLoss implements Fault {
    private volatile boolean active = true;

    @Override
    public long fired() {
      return 1;
    }

    @Override
    public boolean isActive() {
      return active;
    }

    @Override
    public void close() {
      synchronized (sessionLock) {
        if (session != this) {
          return;
        }
        session = null;
        active = false;
      }
      if (!closed) {
        tell(ConnectionState.RECONNECTED);
      }
    }

    @Override
    public String toString() {
      return "session lost";
    }
  }

  /** A connection listener registered here: the wrapped store's states plus the injected ones. */
  private final class ConnectionListener implements Subscription {
    private final Consumer<ConnectionState> listener;
    private final SerialExecutor serial;
    private final Subscription real;

    ConnectionListener(
        Consumer<ConnectionState> listener, SerialExecutor serial, Subscription real) {
      this.listener = listener;
      this.serial = serial;
      this.real = real;
    }

    void tell(ConnectionState state) {
      serial.offer(() -> listener.accept(state));
    }

    @Override
    public void close() {
      listeners.remove(this);
      real.close();
      serial.close();
    }
  }
}
