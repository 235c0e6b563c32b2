package io.libkv.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.Subscription;
import io.libkv.Transaction;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.UpdateOptions;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.memory.MemoryStore;
import io.libkv.util.ForwardingStore;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each meter family of {@link MeteredStore}, read back after real calls on {@code memory:}. */
class MeteredStoreTest {
  private static final byte[] V = "v".getBytes(UTF_8);
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final String name = "metered-" + UUID.randomUUID();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private MemoryStore raw;
  private Store store;

  @BeforeEach
  void open() {
    raw = MemoryStore.open(name, StoreConfig.DEFAULT);
    store = MeteredStore.wrap(raw, registry);
  }

  @AfterEach
  void close() {
    store.close();
    MemoryStore.drop(name);
  }

  private Timer op(String operation, String outcome) {
    return registry
        .get("libkv.store.operations")
        .tags("backend", "memory", "operation", operation, "outcome", outcome)
        .timer();
  }

  private double gauge(String gauge, String... tags) {
    return registry.get(gauge).tags("backend", "memory").tags(tags).gauge().value();
  }

  private double counter(String counter, String... tags) {
    return registry.get(counter).tags("backend", "memory").tags(tags).counter().count();
  }

  @Test
  void everyOperationIsTimedByOperationAndOutcome() {
    store.put("a/1", V);
    store.put("a/2", V, WriteOptions.DEFAULT);
    store.putAll(Map.of("a/3", V, "a/4", V));
    KVPair p = store.get("a/1");
    assertThat(store.exists("a/2")).isTrue();
    assertThat(store.list("a")).hasSize(4);
    KVPair q = store.atomicPut("a/1", V, p, WriteOptions.DEFAULT);
    store.atomicCreate("a/5", V, WriteOptions.DEFAULT);
    store.atomicDelete("a/1", q);
    store.delete("a/2");
    store.deleteTree("a");

    assertThat(op("put", "success").count()).isEqualTo(2);
    for (String operation :
        List.of(
            "putAll",
            "get",
            "exists",
            "list",
            "atomicPut",
            "atomicCreate",
            "atomicDelete",
            "delete",
            "deleteTree")) {
      assertThat(op(operation, "success").count()).as(operation).isEqualTo(1);
    }
    assertThat(op("get", "success").totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(registry.find("libkv.store.errors").counters()).isEmpty();
  }

  @Test
  void aFailedCompareIsAnOutcomeOfItsOwnAndNotAnError() {
    KVPair old = store.atomicCreate("k", V, WriteOptions.DEFAULT);
    store.put("k", V);
    assertThatThrownBy(() -> store.atomicPut("k", V, old, WriteOptions.DEFAULT))
        .isInstanceOf(KeyModifiedException.class);
    assertThatThrownBy(() -> store.atomicCreate("k", V, WriteOptions.DEFAULT))
        .isInstanceOf(KeyExistsException.class);
    assertThatThrownBy(() -> store.atomicDelete("k", old)).isInstanceOf(KeyModifiedException.class);
    assertThatThrownBy(() -> store.get("absent")).isInstanceOf(KeyNotFoundException.class);

    assertThat(op("atomicPut", "KeyModifiedException").count()).isEqualTo(1);
    assertThat(op("atomicCreate", "KeyExistsException").count()).isEqualTo(1);
    assertThat(op("atomicCreate", "success").count()).isEqualTo(1);
    assertThat(op("atomicDelete", "KeyModifiedException").count()).isEqualTo(1);
    assertThat(op("get", "KeyNotFoundException").count()).isEqualTo(1);
    assertThat(registry.find("libkv.store.errors").counters()).isEmpty();
  }

  @Test
  void transactionsAndUpdatesAreTimedWithAFailedConditionAsItsOwnOutcome() {
    KVPair old = store.atomicCreate("t/a", V, WriteOptions.DEFAULT);
    assertThat(
            store
                .commit(Transaction.builder().ifIndex(old).put("t/a", V).put("t/b", V).build())
                .committed())
        .isTrue();
    assertThat(store.commit(Transaction.builder().ifIndex(old).delete("t/a").build()).committed())
        .isFalse();
    store.update("t/n", cur -> V);
    store.update("t/n", UpdateOptions.DEFAULT, cur -> V);

    assertThat(op("commit", "success").count()).isEqualTo(1);
    assertThat(op("commit", "conditionFailed").count()).isEqualTo(1);
    assertThat(op("update", "success").count()).isEqualTo(2);
    assertThat(registry.find("libkv.store.errors").counters()).isEmpty();
  }

  @Test
  void keepAliveRenewalsFailuresAndTheLossAreCountedAndRenewalsTimed() {
    io.libkv.ManualTimeSource time = new io.libkv.ManualTimeSource();
    String n = "keepalive-" + java.util.UUID.randomUUID();
    MemoryStore m = MemoryStore.open(n, StoreConfig.builder().timeSource(time).build());
    try (Store s =
        MeteredStore.wrap(m, registry, io.micrometer.core.instrument.Tags.of("store", "ka"))) {
      s.put("e", V, WriteOptions.ephemeral(java.time.Duration.ofSeconds(3)));
      time.advance(java.time.Duration.ofMillis(1100));
      time.advance(java.time.Duration.ofMillis(1000));
      assertThat(renewals("renewed")).isEqualTo(2);
      assertThat(
              registry
                  .get("libkv.store.keepalive.latency")
                  .tags("backend", "memory", "store", "ka")
                  .timer()
                  .count())
          .isEqualTo(2);
      m.simulatePartition(true);
      time.advance(java.time.Duration.ofMillis(1100));
      time.advance(java.time.Duration.ofMillis(1100));
      assertThat(renewals("failed")).isPositive();
      assertThat(renewals("lost")).isEqualTo(1);
    } finally {
      MemoryStore.drop(n);
    }
  }

  private double renewals(String outcome) {
    return registry
        .get("libkv.store.keepalive.renewals")
        .tags("backend", "memory", "store", "ka", "outcome", outcome)
        .counter()
        .count();
  }

  @Test
  void errorsAreCountedByExceptionType() {
    raw.simulatePartition(true);
    assertThatThrownBy(() -> store.get("k")).isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> store.put("k", V)).isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> store.put("k", V)).isInstanceOf(StoreUnavailableException.class);
    raw.simulatePartition(false);

    assertThat(op("get", "StoreUnavailableException").count()).isEqualTo(1);
    assertThat(op("put", "StoreUnavailableException").count()).isEqualTo(2);
    assertThat(
            counter(
                "libkv.store.errors", "operation", "put", "exception", "StoreUnavailableException"))
        .isEqualTo(2);
    assertThat(
            counter(
                "libkv.store.errors", "operation", "get", "exception", "StoreUnavailableException"))
        .isEqualTo(1);
    assertThat(registry.find("libkv.store.unknown.outcomes").counters()).isEmpty();
  }

  /** A store whose writes end with an unknown outcome, as a connection lost after sending would. */
  private static final class UnknownWrites extends ForwardingStore {
    UnknownWrites(Store delegate) {
      super(delegate);
    }

    @Override
    public void put(String key, byte[] value, WriteOptions options) {
      delegate().put(key, value, options);
      throw new UnknownOutcomeException(
          "connection lost after the write", key, null, List.of(), null);
    }
  }

  /** A store whose listener watches fail at once, as one whose server went away would. */
  private static final class FailingWatches extends ForwardingStore {
    FailingWatches(Store delegate) {
      super(delegate);
    }

    @Override
    public Subscription watch(
        String key, WatchOptions options, WatchListener<KeyEvent> listener, Executor executor) {
      listener.onError(new StoreUnavailableException("gone", key, null, List.of(), null));
      return () -> {};
    }
  }

  @Test
  void aFailedWatchIsAnErrorAndNoLongerOpen() {
    List<KVException> seen = new ArrayList<>();
    try (Store s = MeteredStore.wrap(new FailingWatches(raw), registry)) {
      Subscription sub =
          s.watch(
              "k",
              WatchOptions.DEFAULT,
              new WatchListener<KeyEvent>() {
                @Override
                public void onEvent(KeyEvent event) {}

                @Override
                public void onError(KVException error) {
                  seen.add(error);
                }
              },
              Runnable::run);
      assertThat(seen).singleElement().isInstanceOf(StoreUnavailableException.class);
      assertThat(
              counter(
                  "libkv.store.errors",
                  "operation",
                  "watch",
                  "exception",
                  "StoreUnavailableException"))
          .isEqualTo(1);
      assertThat(gauge("libkv.store.watches.open", "kind", "key")).isZero();
      sub.close();
      assertThat(gauge("libkv.store.watches.open", "kind", "key")).isZero();
    }
  }

  @Test
  void unknownOutcomesAreCountedExplicitly() {
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    try (Store s = MeteredStore.wrap(new UnknownWrites(raw), own, Tags.of("store", "flaky"))) {
      assertThatThrownBy(() -> s.put("k", V, WriteOptions.DEFAULT))
          .isInstanceOf(UnknownOutcomeException.class);
      assertThatThrownBy(() -> s.put("k", V, WriteOptions.DEFAULT))
          .isInstanceOf(UnknownOutcomeException.class);

      Tags tags = Tags.of("backend", "memory", "store", "flaky", "operation", "put");
      assertThat(
              own.get("libkv.store.operations")
                  .tags(tags)
                  .tag("outcome", "unknown")
                  .timer()
                  .count())
          .isEqualTo(2);
      assertThat(own.get("libkv.store.unknown.outcomes").tags(tags).counter().count()).isEqualTo(2);
      assertThat(
              own.get("libkv.store.errors")
                  .tags(tags)
                  .tag("exception", "UnknownOutcomeException")
                  .counter()
                  .count())
          .isEqualTo(2);
    }
  }

  @Test
  void openWatchesAreAGaugeAndTakenEventsAreCountedByType() throws Exception {
    store.put("w/k", V);
    Watch<KeyEvent> keyWatch = store.watch("w/k");
    Watch<TreeEvent> treeWatch = store.watchTree("w", WatchOptions.DEFAULT);
    BlockingQueue<KeyEvent> got = new LinkedBlockingQueue<>();
    Subscription sub = store.watch("w/k", WatchOptions.DEFAULT, got::add, Runnable::run);
    assertThat(gauge("libkv.store.watches.open", "kind", "key")).isEqualTo(2);
    assertThat(gauge("libkv.store.watches.open", "kind", "tree")).isEqualTo(1);

    assertThat(keyWatch.take().type()).isEqualTo(EventType.CURRENT);
    assertThat(treeWatch.take().type()).isEqualTo(EventType.CURRENT);
    store.put("w/k", V);
    store.delete("w/k");
    assertThat(keyWatch.take().type()).isEqualTo(EventType.PUT);
    assertThat(keyWatch.poll(BOUND).map(KeyEvent::type)).contains(EventType.DELETE);
    for (int i = 0; i < 3; i++) {
      assertThat(got.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    }

    // the listener's events and the watch's, counted apart by type
    assertThat(counter("libkv.store.watch.events", "kind", "key", "type", "CURRENT")).isEqualTo(2);
    assertThat(counter("libkv.store.watch.events", "kind", "key", "type", "PUT")).isEqualTo(2);
    assertThat(counter("libkv.store.watch.events", "kind", "key", "type", "DELETE")).isEqualTo(2);
    assertThat(counter("libkv.store.watch.events", "kind", "tree", "type", "CURRENT")).isEqualTo(1);
    assertThat(counter("libkv.store.watch.events", "kind", "key", "type", "RESET")).isZero();
    assertThat(
            registry
                .get("libkv.store.watch.listener")
                .tags("backend", "memory", "kind", "key")
                .timer()
                .count())
        .isEqualTo(3);

    keyWatch.close();
    sub.close();
    await().atMost(BOUND).until(() -> gauge("libkv.store.watches.open", "kind", "key") == 0);
    assertThat(gauge("libkv.store.watches.open", "kind", "tree")).isEqualTo(1);
    store.close();
    assertThat(gauge("libkv.store.watches.open", "kind", "tree")).isZero();
  }

  @Test
  void aResyncIsCountedWhenAResumedWatchsHistoryIsGone() throws Exception {
    raw.put("r/k", V);
    KVPair first = raw.get("r/k");
    // memory keeps the last 10,000 changes for resumed watches: push the first one out
    for (int i = 0; i <= 10_000; i++) {
      raw.put("r/other", V);
    }
    try (Watch<KeyEvent> w = store.watch("r/k", WatchOptions.fromIndex(first.lastIndex()))) {
      assertThat(w.take().type()).isEqualTo(EventType.RESYNC);
    }
    assertThat(counter("libkv.store.watch.events", "kind", "key", "type", "RESYNC")).isEqualTo(1);
  }

  @Test
  void theConnectionStateIsAGaugePerState() {
    assertThat(gauge("libkv.store.connection", "state", "CONNECTED")).isEqualTo(1);
    assertThat(gauge("libkv.store.connection", "state", "SUSPENDED")).isZero();

    raw.simulatePartition(true);
    await().atMost(BOUND).until(() -> gauge("libkv.store.connection", "state", "SUSPENDED") == 1);
    assertThat(gauge("libkv.store.connection", "state", "CONNECTED")).isZero();

    raw.simulatePartition(false);
    await().atMost(BOUND).until(() -> gauge("libkv.store.connection", "state", "CONNECTED") == 1);
    assertThat(gauge("libkv.store.connection", "state", "SUSPENDED")).isZero();
    assertThat(counter("libkv.store.connection.changes", "state", "SUSPENDED")).isEqualTo(1);
    assertThat(counter("libkv.store.connection.changes", "state", "RECONNECTED")).isEqualTo(1);

    // a second store on the registry with the same tags: the gauge counts both
    Store second = MeteredStore.wrap(MemoryStore.open(name, StoreConfig.DEFAULT), registry);
    assertThat(gauge("libkv.store.connection", "state", "CONNECTED")).isEqualTo(2);
    second.close();
    assertThat(gauge("libkv.store.connection", "state", "CONNECTED")).isEqualTo(1);
    store.close();
    assertThat(gauge("libkv.store.connection", "state", "CONNECTED")).isZero();
  }

  private Timer lockWait(String operation, String outcome) {
    return registry
        .get("libkv.store.lock.wait")
        .tags("backend", "memory", "operation", operation, "outcome", outcome)
        .timer();
  }

  private Timer held(String outcome) {
    return registry
        .get("libkv.store.lock.held")
        .tags("backend", "memory", "outcome", outcome)
        .timer();
  }

  @Test
  void lockWaitAndHoldAreTimed() throws Exception {
    Lock lock = store.newLock("l");
    Lock other = store.newLock("l", LockOptions.DEFAULT);
    LockLease lease = lock.lock();
    assertThat(lease.isHeld()).isTrue();
    Optional<LockLease> none = other.tryLock(Duration.ofMillis(200));
    assertThat(none).isEmpty();
    lease.close();
    Optional<LockLease> second = other.tryLock(BOUND);
    assertThat(second).isPresent();
    second.get().close();
    second.get().close();

    assertThat(lockWait("lock", "acquired").count()).isEqualTo(1);
    assertThat(lockWait("tryLock", "timeout").count()).isEqualTo(1);
    assertThat(lockWait("tryLock", "timeout").totalTime(TimeUnit.MILLISECONDS))
        .isGreaterThanOrEqualTo(200);
    assertThat(lockWait("tryLock", "acquired").count()).isEqualTo(1);
    assertThat(held("released").count()).isEqualTo(2);
    assertThat(held("lost").count()).isZero();
    assertThat(counter("libkv.store.lock.lost")).isZero();
  }

  @Test
  void aLockLostWhileHeldIsCounted() throws Exception {
    LockLease lease = store.newLock("l").lock();
    raw.simulateSessionExpiry();
    lease.lost().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    await().atMost(BOUND).until(() -> counter("libkv.store.lock.lost") == 1);
    lease.close();
    assertThat(held("lost").count()).isEqualTo(1);
    assertThat(held("released").count()).isZero();
  }

  // ---- delivery delay and coalescing

  private Timer delivery(String kind) {
    return registry
        .get("libkv.store.watch.delivery")
        .tags("backend", "memory", "kind", kind)
        .timer();
  }

  @Test
  void deliveryIsTimedFromTheStoresReceiptToTheConsumerTakingTheEvent() throws Exception {
    try (Watch<KeyEvent> w = store.watch("d/k");
        Watch<TreeEvent> t = store.watchTree("d")) {
      assertThat(w.take().type()).isEqualTo(EventType.ABSENT);
      assertThat(t.take().type()).isEqualTo(EventType.ABSENT);
      store.put("d/k", V);
      Thread.sleep(50); // the consumer is late: each event waited at least this long
      assertThat(w.poll(BOUND).map(KeyEvent::type)).contains(EventType.PUT);
      Iterator<TreeEvent> it = t.iterator();
      assertThat(it.hasNext()).isTrue();
      assertThat(it.next().type()).isEqualTo(EventType.PUT);
    }
    assertThat(delivery("key").count()).isEqualTo(2);
    assertThat(delivery("key").max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
    assertThat(delivery("key").totalTime(TimeUnit.MILLISECONDS))
        .isGreaterThanOrEqualTo(50)
        .isLessThan((double) BOUND.toMillis());
    assertThat(delivery("tree").count()).isEqualTo(2);
    assertThat(delivery("tree").max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
  }

  @Test
  void deliveryToAListenerIsTimedUntilTheListenerIsInvoked() throws Exception {
    BlockingQueue<KeyEvent> got = new LinkedBlockingQueue<>();
    // an executor that runs each task 50 ms late, as a busy one would
    Executor late =
        r ->
            new Thread(
                    () -> {
                      try {
                        Thread.sleep(50);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      r.run();
                    })
                .start();
    Subscription s = store.watch("l/k", WatchOptions.DEFAULT, got::add, late);
    assertThat(got.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    store.put("l/k", V);
    assertThat(got.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    s.close();
    assertThat(delivery("key").count()).isEqualTo(2);
    // the first event waits for the late executor's task; the second may be handed over by a
    // task still delivering, so only the longest delivery is sure to include the executor's delay
    assertThat(delivery("key").max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
  }

  @Test
  void eventsMergedForASlowConsumerAreCounted() throws Exception {
    assertThat(counter("libkv.store.watch.coalesced", "kind", "key")).isZero();
    try (Watch<KeyEvent> w = store.watch("m/k", WatchOptions.builder().bufferSize(2).build());
        Watch<TreeEvent> t = store.watchTree("m", WatchOptions.builder().bufferSize(1).build())) {
      w.take();
      t.take();
      for (int i = 0; i < 10; i++) {
        store.put("m/k", V);
      }
      // key: the first put, then nine merged into one (8 beyond itself); tree: ten into one
      assertThat(w.take().coalesced()).isZero();
      assertThat(w.take().coalesced()).isEqualTo(8);
      assertThat(t.take().coalesced()).isEqualTo(9);
    }
    assertThat(counter("libkv.store.watch.coalesced", "kind", "key")).isEqualTo(8);
    assertThat(counter("libkv.store.watch.coalesced", "kind", "tree")).isEqualTo(9);
  }
}
