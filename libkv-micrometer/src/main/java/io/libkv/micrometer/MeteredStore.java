package io.libkv.micrometer;

import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeepAliveEvent;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Store} that records Micrometer metrics of every call it passes on: latency and outcome
 * of each operation, errors and unknown outcomes, open watches and their events, lock wait, hold
 * and loss, and the connection state. The store's behaviour is unchanged: every call, result and
 * exception is the wrapped store's.
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();
 * try (Store store = MeteredStore.wrap(LibKV.open("etcd://127.0.0.1:2379/app"), registry)) {
 *   store.put("config/colour", "blue".getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <p>Every meter is tagged {@code backend} ({@link io.libkv.Capabilities#backend()}, the URI
 * scheme's backend) and the extra tags given to {@link #wrap(Store, MeterRegistry, Iterable)}.
 * Stores wrapped on one registry with the same tags share their meters: timers and counters add up,
 * and the gauges count the stores (open watches of all of them; how many are in each connection
 * state). The meters, in the README's table:
 *
 * <ul>
 *   <li>{@code libkv.store.operations} (timer; {@code operation}, {@code outcome}): each call of
 *       put, get, exists, list, delete, deleteTree, putAll, atomicPut, atomicCreate, atomicDelete.
 *       {@code outcome} is {@code success}, {@code unknown} for an {@link UnknownOutcomeException},
 *       else the exception's simple type: a failed compare-and-set is {@code KeyModifiedException},
 *       {@code KeyExistsException} or {@code KeyNotFoundException}, an error is any other type.
 *   <li>{@code libkv.store.errors} (counter; {@code operation}, {@code exception}): failures other
 *       than a store's answers ({@code KeyNotFoundException}, {@code KeyExistsException}, {@code
 *       KeyModifiedException} are answers, not errors), watch failures included.
 *   <li>{@code libkv.store.unknown.outcomes} (counter; {@code operation}): writes whose outcome is
 *       unknown.
 *   <li>{@code libkv.store.watches.open} (gauge; {@code kind} key or tree); {@code
 *       libkv.store.watch.events} (counter; {@code kind}, {@code type}: the {@link EventType}, so
 *       RESYNC and RESET are counted apart) counts events as the consumer takes them; {@code
 *       libkv.store.watch.listener} (timer; {@code kind}) is the time a watch listener took per
 *       event, during which that watch's later events wait.
 *   <li>{@code libkv.store.watch.delivery} (timer; {@code kind}): from the event's {@link
 *       KeyEvent#receivedNanos() receivedNanos} (the store received the change; the oldest one for
 *       a coalesced event) to the consumer taking it, or its listener being invoked; {@code
 *       libkv.store.watch.coalesced} (counter; {@code kind}) sums the events' {@link
 *       KeyEvent#coalesced() coalesced}: the events merged because a consumer fell behind.
 *   <li>{@code libkv.store.connection} (gauge; {@code state} CONNECTED, SUSPENDED or LOST): the
 *       number of stores in that state (RECONNECTED counts as CONNECTED); {@code
 *       libkv.store.connection.changes} (counter; {@code state}, all four) counts the changes.
 *   <li>{@code libkv.store.lock.wait} (timer; {@code operation} lock or tryLock, {@code outcome}
 *       acquired, timeout, interrupted or the exception's simple type); {@code
 *       libkv.store.lock.held} (timer; {@code outcome} released or lost: whether the lease was lost
 *       before it was closed) from acquisition to close; {@code libkv.store.lock.lost} (counter)
 *       counts leases whose {@link LockLease#lost()} completed.
 * </ul>
 *
 * <p>Not measured, because the API does not tell them: the time from a change's commit on the
 * server to the store receiving it (the clocks differ), and keep-alive renewals (internal to each
 * backend).
 */
public final class MeteredStore extends ForwardingStore {
  /** Answers of the store, not errors: kept out of {@code libkv.store.errors}. */
  private static final Set<Class<?>> ANSWERS =
      Set.of(KeyNotFoundException.class, KeyExistsException.class, KeyModifiedException.class);

  /** Gauge states shared by the stores of one registry, so that their gauges add up. */
  private static final Map<MeterRegistry, Map<Meter.Id, AtomicLong>> SHARED = new WeakHashMap<>();

  private final MeterRegistry registry;
  private final Tags tags;
  private final Op put;
  private final Op putAll;
  private final Op get;
  private final Op exists;
  private final Op delete;
  private final Op list;
  private final Op deleteTree;
  private final Op atomicPut;
  private final Op atomicCreate;
  private final Op atomicDelete;
  private final Op commit;
  private final Timer commitConditionFailed;
  private final Op update;
  private final Watches keyWatches;
  private final Watches treeWatches;
  // RECONNECTED is counted as CONNECTED: it has no gauge
  private final Map<ConnectionState, AtomicLong> inState = new EnumMap<>(ConnectionState.class);
  private final Map<ConnectionState, Counter> stateChanges = new EnumMap<>(ConnectionState.class);
  private final AtomicReference<@Nullable ConnectionState> state = new AtomicReference<>();
  private final Subscription connection;
  private final Subscription keepAlive;
  private final Map<KeepAliveEvent.Outcome, Counter> renewals =
      new java.util.EnumMap<>(KeepAliveEvent.Outcome.class);
  private final Timer renewalTime;
  private final Counter locksLost;
  private final Timer heldReleased;
  private final Timer heldLost;
  private final Set<Runnable> openWatches = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private MeteredStore(Store store, MeterRegistry registry, Iterable<Tag> extraTags) {
    super(store);
    this.registry = registry;
    this.tags = Tags.of("backend", store.capabilities().backend()).and(extraTags);
    put = new Op("put");
    putAll = new Op("putAll");
    get = new Op("get");
    exists = new Op("exists");
    delete = new Op("delete");
    list = new Op("list");
    deleteTree = new Op("deleteTree");
    atomicPut = new Op("atomicPut");
    atomicCreate = new Op("atomicCreate");
    atomicDelete = new Op("atomicDelete");
    commit = new Op("commit");
    // a transaction whose condition failed is an answer, as a failed compare-and-set is
    commitConditionFailed = commit.timer("conditionFailed");
    update = new Op("update");
    keyWatches = new Watches("key");
    treeWatches = new Watches("tree");
    locksLost =
        Counter.builder("libkv.store.lock.lost")
            .description("Locks lost while held (session or lease gone, deadline passed)")
            .tags(tags)
            .register(registry);
    heldReleased = heldTimer("released");
    heldLost = heldTimer("lost");
    for (ConnectionState s : ConnectionState.values()) {
      stateChanges.put(
          s,
          Counter.builder("libkv.store.connection.changes")
              .description("Connection state changes reported by the store")
              .tags(tags)
              .tag("state", s.name())
              .register(registry));
      if (s != ConnectionState.RECONNECTED) {
        inState.put(
            s,
            shared(
                "libkv.store.connection",
                "Stores in this connection state",
                tags.and("state", s.name())));
      }
    }
    for (KeepAliveEvent.Outcome o : KeepAliveEvent.Outcome.values()) {
      renewals.put(
          o,
          Counter.builder("libkv.store.keepalive.renewals")
              .description(
                  "Renewals of the sessions and leases the store keeps alive, by outcome"
                      + " (renewed, failed, lost)")
              .tags(tags)
              .tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
              .register(registry));
    }
    renewalTime =
        Timer.builder("libkv.store.keepalive.latency")
            .description("Round trip of a successful session or lease renewal")
            .tags(tags)
            .register(registry);
    keepAlive = store.onKeepAlive(this::keepAliveReported, Runnable::run);
    // subscribed before the status is read, so that a change in between is not missed
    connection = store.onConnectionStateChange(this::connectionChanged, Runnable::run);
    ConnectionState now = store.status().connection();
    if (state.compareAndSet(null, counted(now))) {
      in(inState, counted(now)).incrementAndGet();
    }
  }

  /**
   * Wraps {@code store}: its calls are passed on and recorded in {@code registry}, tagged with the
   * store's backend.
   */
  public static Store wrap(Store store, MeterRegistry registry) {
    return wrap(store, registry, Tags.empty());
  }

  /**
   * Wraps {@code store}: its calls are passed on and recorded in {@code registry}, tagged with the
   * store's backend and {@code tags} (e.g. {@code store=orders}, to tell apart stores of one
   * backend).
   */
  public static Store wrap(Store store, MeterRegistry registry, Iterable<Tag> tags) {
    return new MeteredStore(
        Objects.requireNonNull(store, "store"),
        Objects.requireNonNull(registry, "registry"),
        Objects.requireNonNull(tags, "tags"));
  }

  // ---- operations

  @Override
  public void put(String key, byte[] value) {
    put.run(() -> delegate().put(key, value));
  }

  @Override
  public void put(String key, byte[] value, WriteOptions options) {
    put.run(() -> delegate().put(key, value, options));
  }

  @Override
  public void putAll(Map<String, byte[]> entries) {
    putAll.run(() -> delegate().putAll(entries));
  }

  // the reads are spelled out: a lambda capturing the key is not always scalar-replaced, and reads
  // are the calls whose own cost is small enough for 24 bytes a call to matter

  @Override
  public KVPair get(String key) {
    long start = System.nanoTime();
    try {
      KVPair p = delegate().get(key);
      get.succeeded(start);
      return p;
    } catch (RuntimeException e) {
      throw get.failed(start, e);
    }
  }

  @Override
  public boolean exists(String key) {
    long start = System.nanoTime();
    try {
      boolean found = delegate().exists(key);
      exists.succeeded(start);
      return found;
    } catch (RuntimeException e) {
      throw exists.failed(start, e);
    }
  }

  @Override
  public void delete(String key) {
    delete.run(() -> delegate().delete(key));
  }

  @Override
  public List<KVPair> list(String dir) {
    return list.call(() -> delegate().list(dir));
  }

  @Override
  public void deleteTree(String dir) {
    deleteTree.run(() -> delegate().deleteTree(dir));
  }

  @Override
  public KVPair atomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    return atomicPut.call(() -> delegate().atomicPut(key, value, previous, options));
  }

  @Override
  public KVPair atomicCreate(String key, byte[] value, WriteOptions options) {
    return atomicCreate.call(() -> delegate().atomicCreate(key, value, options));
  }

  @Override
  public void atomicDelete(String key, KVPair previous) {
    atomicDelete.run(() -> delegate().atomicDelete(key, previous));
  }

  @Override
  public TransactionResult commit(Transaction transaction) {
    long start = System.nanoTime();
    TransactionResult r;
    try {
      r = delegate().commit(transaction);
    } catch (RuntimeException e) {
      throw commit.failed(start, e);
    }
    if (r.committed()) {
      commit.succeeded(start);
    } else {
      commitConditionFailed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
    return r;
  }

  @Override
  public KVPair update(String key, Function<Optional<KVPair>, byte[]> fn) {
    return update.call(() -> delegate().update(key, fn));
  }

  @Override
  public KVPair update(String key, UpdateOptions options, Function<Optional<KVPair>, byte[]> fn) {
    return update.call(() -> delegate().update(key, options, fn));
  }

  // ---- watches

  @Override
  public Watch<KeyEvent> watch(String key) {
    return keyWatches.opened(delegate().watch(key), KEY);
  }

  @Override
  public Watch<KeyEvent> watch(String key, WatchOptions options) {
    return keyWatches.opened(delegate().watch(key, options), KEY);
  }

  @Override
  public Watch<TreeEvent> watchTree(String dir) {
    return treeWatches.opened(delegate().watchTree(dir), TREE);
  }

  @Override
  public Watch<TreeEvent> watchTree(String dir, WatchOptions options) {
    return treeWatches.opened(delegate().watchTree(dir, options), TREE);
  }

  @Override
  public Subscription watch(
      String key, WatchOptions options, WatchListener<KeyEvent> listener, Executor executor) {
    return keyWatches.subscribed(l -> delegate().watch(key, options, l, executor), listener, KEY);
  }

  @Override
  public Subscription watchTree(
      String dir, WatchOptions options, WatchListener<TreeEvent> listener, Executor executor) {
    return treeWatches.subscribed(
        l -> delegate().watchTree(dir, options, l, executor), listener, TREE);
  }

  // ---- locks

  @Override
  public Lock newLock(String key) {
    return new MeteredLock(delegate().newLock(key));
  }

  @Override
  public Lock newLock(String key, LockOptions options) {
    return new MeteredLock(delegate().newLock(key, options));
  }

  // ---- connection

  private void keepAliveReported(KeepAliveEvent e) {
    Counter c = renewals.get(e.outcome());
    if (c != null) {
      c.increment();
    }
    if (e.outcome() == KeepAliveEvent.Outcome.RENEWED) {
      renewalTime.record(e.took());
    }
  }

  private void connectionChanged(ConnectionState s) {
    in(stateChanges, s).increment();
    ConnectionState now = counted(s);
    ConnectionState was = state.getAndSet(now);
    if (closed.get() || was == now) {
      return;
    }
    if (was != null) {
      in(inState, was).decrementAndGet();
    }
    in(inState, now).incrementAndGet();
  }

  private static ConnectionState counted(ConnectionState s) {
    return s == ConnectionState.RECONNECTED ? ConnectionState.CONNECTED : s;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      connection.close();
      keepAlive.close();
      ConnectionState was = state.getAndSet(null);
      if (was != null) {
        in(inState, was).decrementAndGet();
      }
      openWatches.forEach(Runnable::run);
    }
    super.close();
  }

  // ---- meters

  private Timer heldTimer(String outcome) {
    return Timer.builder("libkv.store.lock.held")
        .description("Time a lock was held, from acquisition to close")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  /** A gauge's state, shared by every store with the same tags on this registry. */
  private AtomicLong shared(String name, String description, Tags gaugeTags) {
    synchronized (SHARED) {
      Map<Meter.Id, AtomicLong> states =
          SHARED.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
      Meter.Id id = new Meter.Id(name, gaugeTags, null, description, Meter.Type.GAUGE);
      return states.computeIfAbsent(
          id,
          i -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(name, value, AtomicLong::get)
                .description(description)
                .tags(gaugeTags)
                .strongReference(true)
                .register(registry);
            return value;
          });
    }
  }

  /** A meter of a map filled for every key at construction. */
  private static <K, V> V in(Map<K, V> meters, K key) {
    return Objects.requireNonNull(meters.get(key), "meter");
  }

  private static String outcome(Throwable e) {
    if (e instanceof UnknownOutcomeException) {
      return "unknown";
    }
    String name = e.getClass().getSimpleName();
    return name.isEmpty() ? e.getClass().getName() : name;
  }

  private Counter errorCounter(String operation, Throwable e) {
    String name = e.getClass().getSimpleName();
    return Counter.builder("libkv.store.errors")
        .description("Failed calls by exception type; a store's answers are not errors")
        .tags(tags)
        .tag("operation", operation)
        .tag("exception", name.isEmpty() ? e.getClass().getName() : name)
        .register(registry);
  }

  /** What a failure of one exception type records for one operation, looked up once. */
  private static final class Failure {
    final Timer timer;
    final @Nullable Counter error;
    final @Nullable Counter unknown;

    Failure(Timer timer, @Nullable Counter error, @Nullable Counter unknown) {
      this.timer = timer;
      this.error = error;
      this.unknown = unknown;
    }
  }

  /** The meters of one operation: its success timer registered up front, failures on first use. */
  private final class Op {
    final String name;
    final Timer success;
    final Map<Class<?>, Failure> failures = new ConcurrentHashMap<>();

    Op(String name) {
      this.name = name;
      this.success = timer("success");
    }

    Timer timer(String outcome) {
      return Timer.builder("libkv.store.operations")
          .description("Store calls by operation and outcome")
          .tags(tags)
          .tag("operation", name)
          .tag("outcome", outcome)
          .register(registry);
    }

    <T> T call(Supplier<T> call) {
      long start = System.nanoTime();
      try {
        T result = call.get();
        succeeded(start);
        return result;
      } catch (RuntimeException e) {
        throw failed(start, e);
      }
    }

    void run(Runnable call) {
      long start = System.nanoTime();
      try {
        call.run();
        succeeded(start);
      } catch (RuntimeException e) {
        throw failed(start, e);
      }
    }

    void succeeded(long start) {
      success.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /** Records a failure; returns it, for the caller to throw. */
    RuntimeException failed(long start, RuntimeException e) {
      long nanos = System.nanoTime() - start;
      Failure f = failures.computeIfAbsent(e.getClass(), c -> failure(e));
      f.timer.record(nanos, TimeUnit.NANOSECONDS);
      if (f.error != null) {
        f.error.increment();
      }
      if (f.unknown != null) {
        f.unknown.increment();
      }
      return e;
    }

    private Failure failure(RuntimeException e) {
      Counter unknown =
          e instanceof UnknownOutcomeException
              ? Counter.builder("libkv.store.unknown.outcomes")
                  .description("Writes that may or may not have been applied")
                  .tags(tags)
                  .tag("operation", name)
                  .register(registry)
              : null;
      return new Failure(
          timer(outcome(e)),
          ANSWERS.contains(e.getClass()) ? null : errorCounter(name, e),
          unknown);
    }
  }

  /** What the watch meters read from an event of one kind. */
  private static final class EventFacts<E> {
    final Function<E, EventType> type;
    final ToLongFunction<E> receivedNanos;
    final ToLongFunction<E> coalesced;

    EventFacts(
        Function<E, EventType> type, ToLongFunction<E> receivedNanos, ToLongFunction<E> coalesced) {
      this.type = type;
      this.receivedNanos = receivedNanos;
      this.coalesced = coalesced;
    }
  }

  private static final EventFacts<KeyEvent> KEY =
      new EventFacts<>(KeyEvent::type, KeyEvent::receivedNanos, KeyEvent::coalesced);

  private static final EventFacts<TreeEvent> TREE =
      new EventFacts<>(TreeEvent::type, TreeEvent::receivedNanos, TreeEvent::coalesced);

  /** The meters of one kind of watch (key or tree). */
  private final class Watches {
    final String kind;
    final AtomicLong open;
    final Map<EventType, Counter> events = new EnumMap<>(EventType.class);
    final Timer listener;
    final Timer delivery;
    final Counter coalesced;

    Watches(String kind) {
      this.kind = kind;
      Tags kindTags = tags.and("kind", kind);
      open = shared("libkv.store.watches.open", "Watches open", kindTags);
      for (EventType t : EventType.values()) {
        events.put(
            t,
            Counter.builder("libkv.store.watch.events")
                .description("Watch events taken by the consumer, by type")
                .tags(kindTags)
                .tag("type", t.name())
                .register(registry));
      }
      listener =
          Timer.builder("libkv.store.watch.listener")
              .description("Time a watch listener took per event (later events wait meanwhile)")
              .tags(kindTags)
              .register(registry);
      delivery =
          Timer.builder("libkv.store.watch.delivery")
              .description(
                  "Time from the store receiving a change to the consumer taking its event"
                      + " or the listener being invoked")
              .tags(kindTags)
              .register(registry);
      coalesced =
          Counter.builder("libkv.store.watch.coalesced")
              .description("Watch events merged into later ones because the consumer fell behind")
              .tags(kindTags)
              .register(registry);
    }

    /** Records an event reaching its consumer. */
    <E> void delivered(E event, EventFacts<E> facts) {
      long now = System.nanoTime();
      in(events, facts.type.apply(event)).increment();
      // an event built by hand (withReceivedNanos) may claim a time not yet come
      delivery.record(
          Math.max(0, now - facts.receivedNanos.applyAsLong(event)), TimeUnit.NANOSECONDS);
      long n = facts.coalesced.applyAsLong(event);
      if (n > 0) {
        coalesced.increment((double) n);
      }
    }

    /** Counts the watch open until it ends (closed, failed, or its store closed). */
    Runnable opening() {
      AtomicBoolean released = new AtomicBoolean();
      Runnable[] release = new Runnable[1];
      release[0] =
          () -> {
            if (released.compareAndSet(false, true)) {
              open.decrementAndGet();
              openWatches.remove(release[0]);
            }
          };
      open.incrementAndGet();
      openWatches.add(release[0]);
      return release[0];
    }

    void failed(Throwable e) {
      errorCounter(kind.equals("key") ? "watch" : "watchTree", e).increment();
    }

    <E> Watch<E> opened(Watch<E> watch, EventFacts<E> facts) {
      Runnable release = opening();
      watch
          .done()
          .whenComplete(
              (v, e) -> {
                if (e != null) {
                  Throwable cause = e.getCause();
                  failed(e instanceof CompletionException && cause != null ? cause : e);
                }
                release.run();
              });
      return new MeteredWatch<>(watch, e -> delivered(e, facts));
    }

    <E> Subscription subscribed(
        Function<WatchListener<E>, Subscription> subscribe,
        WatchListener<E> user,
        EventFacts<E> facts) {
      Objects.requireNonNull(user, "listener");
      Runnable release = opening();
      Subscription s;
      try {
        s =
            subscribe.apply(
                new WatchListener<E>() {
                  @Override
                  public void onEvent(E event) {
                    delivered(event, facts);
                    long start = System.nanoTime();
                    try {
                      user.onEvent(event);
                    } finally {
                      listener.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    }
                  }

                  @Override
                  public void onError(KVException error) {
                    failed(error);
                    release.run();
                    user.onError(error);
                  }
                });
      } catch (RuntimeException e) {
        release.run();
        throw e;
      }
      return () -> {
        release.run();
        s.close();
      };
    }
  }

  /** A watch that counts the events its consumer takes. */
  private static final class MeteredWatch<E> implements Watch<E> {
    private final Watch<E> delegate;
    private final java.util.function.Consumer<E> taken;

    MeteredWatch(Watch<E> delegate, java.util.function.Consumer<E> taken) {
      this.delegate = delegate;
      this.taken = taken;
    }

    @Override
    public E take() throws InterruptedException {
      E e = delegate.take();
      taken.accept(e);
      return e;
    }

    @Override
    public Optional<E> poll(Duration timeout) throws InterruptedException {
      Optional<E> e = delegate.poll(timeout);
      e.ifPresent(taken);
      return e;
    }

    @Override
    public Iterator<E> iterator() {
      Iterator<E> it = delegate.iterator();
      return new Iterator<E>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public E next() {
          E e = it.next();
          taken.accept(e);
          return e;
        }
      };
    }

    @Override
    public boolean isOpen() {
      return delegate.isOpen();
    }

    @Override
    public Optional<KVException> failure() {
      return delegate.failure();
    }

    @Override
    public CompletableFuture<Void> done() {
      return delegate.done();
    }

    @Override
    public void close() {
      delegate.close();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  /** A lock that times its acquisitions and hands out metered leases. */
  private final class MeteredLock implements Lock {
    private final Lock delegate;

    MeteredLock(Lock delegate) {
      this.delegate = delegate;
    }

    @Override
    public String key() {
      return delegate.key();
    }

    @Override
    public LockLease lock() throws InterruptedException {
      long start = System.nanoTime();
      LockLease lease;
      try {
        lease = delegate.lock();
      } catch (InterruptedException | RuntimeException e) {
        waited("lock", e instanceof InterruptedException ? "interrupted" : outcome(e), start);
        throw e;
      }
      waited("lock", "acquired", start);
      return new MeteredLease(lease);
    }

    @Override
    public Optional<LockLease> tryLock(Duration timeout) throws InterruptedException {
      long start = System.nanoTime();
      Optional<LockLease> lease;
      try {
        lease = delegate.tryLock(timeout);
      } catch (InterruptedException | RuntimeException e) {
        waited("tryLock", e instanceof InterruptedException ? "interrupted" : outcome(e), start);
        throw e;
      }
      waited("tryLock", lease.isPresent() ? "acquired" : "timeout", start);
      return lease.map(MeteredLease::new);
    }

    private void waited(String operation, String outcome, long start) {
      Timer.builder("libkv.store.lock.wait")
          .description("Time spent acquiring a lock, until acquired, timed out or failed")
          .tags(tags)
          .tag("operation", operation)
          .tag("outcome", outcome)
          .register(registry)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  /** A held lock that records its hold time at close and counts its loss. */
  private final class MeteredLease implements LockLease {
    private final LockLease delegate;
    private final long acquired = System.nanoTime();
    private final AtomicBoolean closed = new AtomicBoolean();

    MeteredLease(LockLease delegate) {
      this.delegate = delegate;
      delegate.lost().thenRun(locksLost::increment);
    }

    @Override
    public String key() {
      return delegate.key();
    }

    @Override
    public long fencingToken() {
      return delegate.fencingToken();
    }

    @Override
    public CompletableFuture<Void> lost() {
      return delegate.lost();
    }

    @Override
    public boolean isHeld() {
      return delegate.isHeld();
    }

    @Override
    public void checkHeld() {
      delegate.checkHeld();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        (delegate.lost().isDone() ? heldLost : heldReleased)
            .record(System.nanoTime() - acquired, TimeUnit.NANOSECONDS);
      }
      delegate.close();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  @Override
  public String toString() {
    return "MeteredStore[" + delegate().description() + ", " + tags + "]";
  }
}
