package io.libkv.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.InvalidKeyException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.Subscription;
import io.libkv.Transaction;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.memory.MemoryStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each fault against {@code memory:} and a bbolt file: what the caller sees, and what really
 * happened in the wrapped store, read directly; healing restores normal behaviour.
 */
class FaultInjectingStoreTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  @Test
  @DisplayName("the endpoints a refusal names are those of the wrapped store's description")
  void endpointsComeFromTheDescription() {
    assertThat(FaultInjectingStore.endpoints("etcd://127.0.0.1:2379,127.0.0.1:2479/app"))
        .containsExactly("127.0.0.1:2379", "127.0.0.1:2479");
    assertThat(FaultInjectingStore.endpoints("consul://user@127.0.0.1:8500?x=1"))
        .containsExactly("127.0.0.1:8500");
    assertThat(FaultInjectingStore.endpoints("memory:name")).isEmpty();
    assertThat(FaultInjectingStore.endpoints("boltdb:dir/file.db")).isEmpty();
  }

  @Nested
  @DisplayName("over memory:")
  class OverMemory extends Faults {
    private final String name = "faults-" + UUID.randomUUID();

    @Override
    Store open() {
      return MemoryStore.open(name, io.libkv.StoreConfig.DEFAULT);
    }

    @AfterEach
    void drop() {
      MemoryStore.drop(name);
    }
  }

  @Nested
  @DisplayName("over a bbolt file")
  class OverBbolt extends Faults {
    @TempDir Path dir;

    @Override
    Store open() {
      return LibKV.open("boltdb:" + dir.resolve("faults.db"));
    }
  }

  abstract static class Faults {
    private final List<Store> opened = new ArrayList<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    FaultInjectingStore store;
    Store inner;

    /** A new client of the test's data. */
    abstract Store open();

    Store client() {
      Store s = open();
      opened.add(s);
      return s;
    }

    @BeforeEach
    void wrap() {
      store = FaultInjectingStore.wrap(open());
      inner = store.delegate();
    }

    @AfterEach
    void close() {
      store.close();
      opened.forEach(Store::close);
      executor.shutdownNow();
    }

    static byte[] utf8(String s) {
      return s.getBytes(UTF_8);
    }

    static String text(KVPair p) {
      return new String(p.value(), UTF_8);
    }

    // ---- 1. unavailable

    @Test
    @DisplayName(
        "a refusal throws StoreUnavailableException as a backend does, without reaching the store")
    void refusedCallsNeverReachTheStore() {
      store.put("app/a", utf8("1"));
      Fault f = store.refuse(Calls.all());

      assertThatThrownBy(() -> store.put("/app/b", utf8("2")))
          .isExactlyInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("errors.md#store-unavailable")
          .satisfies(
              e -> {
                StoreUnavailableException u = (StoreUnavailableException) e;
                assertThat(u.key()).contains("app/b");
                assertThat(u.store()).contains(inner.description());
              });
      assertThatThrownBy(() -> store.get("app/a"))
          .isExactlyInstanceOf(StoreUnavailableException.class);
      assertThatThrownBy(() -> store.watch("app/a"))
          .isExactlyInstanceOf(StoreUnavailableException.class);
      assertThat(inner.exists("app/b")).as("the refused put in the wrapped store").isFalse();
      assertThat(store.calls(Operation.PUT))
          .last()
          .satisfies(
              c -> {
                assertThat(c.faults()).containsExactly(FaultKind.REFUSED);
                assertThat(c.reachedStore()).isFalse();
                assertThat(c.key()).contains("app/b");
              });
      assertThat(f.fired()).isEqualTo(3);
      assertThat(store.toString()).contains("refuse all calls");

      store.heal();
      assertThat(f.isActive()).isFalse();
      store.put("app/b", utf8("2"));
      assertThat(text(inner.get("app/b"))).isEqualTo("2");
      assertThat(store.toString()).contains("no fault");
    }

    @Test
    @DisplayName("a refusal of the next N calls of chosen operations leaves others alone and ends")
    void refusalOfTheNextCallsOfOneOperation() {
      store.put("k", utf8("v"));
      Fault f = store.refuse(Calls.of(Operation.GET).first(2));

      store.put("k", utf8("w")); // not a get: goes through
      assertThat(store.exists("k")).isTrue();
      assertThatThrownBy(() -> store.get("k")).isInstanceOf(StoreUnavailableException.class);
      assertThatThrownBy(() -> store.get("k")).isInstanceOf(StoreUnavailableException.class);
      assertThat(f.isActive()).as("used up").isFalse();
      assertThat(text(store.get("k"))).isEqualTo("w");
      assertThat(f.fired()).isEqualTo(2);
      assertThat(store.count(Operation.GET)).isEqualTo(3);
    }

    @Test
    @DisplayName("an invalid key fails as without the decorator, whatever fault is active")
    void invalidArgumentsAreNotMaskedByFaults() {
      store.refuse(Calls.all());
      assertThatThrownBy(() -> store.put("_libkv/x", utf8("v")))
          .isInstanceOf(InvalidKeyException.class);
      assertThatThrownBy(() -> store.get(null)).isInstanceOf(NullPointerException.class);
    }

    // ---- 2. unknown outcome

    @Test
    @DisplayName(
        "an unknown outcome APPLIED: the write is in the store, the caller got UnknownOutcomeException")
    void unknownOutcomeApplied() {
      store.unknownOutcome(WriteOutcome.applied());

      assertThatThrownBy(() -> store.put("k", utf8("v")))
          .isExactlyInstanceOf(UnknownOutcomeException.class)
          .hasMessageContaining("errors.md#unknown-outcome");
      assertThat(text(inner.get("k"))).isEqualTo("v");
      assertThat(store.calls(Operation.PUT))
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.faults()).containsExactly(FaultKind.UNKNOWN_OUTCOME_APPLIED);
                assertThat(c.reachedStore()).isTrue();
              });
      // only the next write
      store.put("k", utf8("w"));
      assertThat(text(inner.get("k"))).isEqualTo("w");
    }

    @Test
    @DisplayName("an unknown outcome NOT APPLIED, for each kind of write: the store is unchanged")
    void unknownOutcomeNotAppliedForEachWrite() {
      KVPair a = inner.atomicCreate("d/a", utf8("1"), WriteOptions.DEFAULT);
      List<Runnable> writes =
          List.of(
              () -> store.put("d/b", utf8("x")),
              () -> store.putAll(Map.of("d/c", utf8("x"))),
              () -> store.delete("d/a"),
              () -> store.deleteTree("d"),
              () -> store.atomicPut("d/a", utf8("x"), a, WriteOptions.DEFAULT),
              () -> store.atomicCreate("d/e", utf8("x"), WriteOptions.DEFAULT),
              () -> store.atomicDelete("d/a", a),
              () -> store.commit(Transaction.builder().ifIndex(a).put("d/f", utf8("x")).build()));
      for (Runnable w : writes) {
        store.unknownOutcome(WriteOutcome.notApplied());
        assertThatThrownBy(w::run).isExactlyInstanceOf(UnknownOutcomeException.class);
        assertThat(inner.list("d")).singleElement().isEqualTo(inner.get("d/a"));
        assertThat(text(inner.get("d/a"))).isEqualTo("1");
      }
      assertThat(store.calls())
          .hasSize(writes.size())
          .allSatisfy(
              c -> {
                assertThat(c.faults()).containsExactly(FaultKind.UNKNOWN_OUTCOME_NOT_APPLIED);
                assertThat(c.reachedStore()).isFalse();
              });
    }

    @Test
    @DisplayName(
        "a transaction's outcome made unknown but APPLIED commits it whole; update's commit goes through the faults")
    void transactionAndUpdateThroughFaults() {
      store.unknownOutcome(WriteOutcome.applied(), Calls.of(Operation.COMMIT));
      assertThatThrownBy(
              () ->
                  store.commit(
                      Transaction.builder().put("t/a", utf8("1")).put("t/b", utf8("2")).build()))
          .isExactlyInstanceOf(UnknownOutcomeException.class);
      assertThat(inner.list("t")).hasSize(2);

      store.refuse(Calls.of(Operation.COMMIT));
      assertThatThrownBy(() -> store.update("t/a", cur -> utf8("3")))
          .isInstanceOf(StoreUnavailableException.class);
      assertThat(text(inner.get("t/a"))).isEqualTo("1");
      store.heal();
      assertThat(text(store.update("t/a", cur -> utf8(text(cur.orElseThrow()) + "+"))))
          .isEqualTo("1+");
      assertThat(store.calls(Operation.COMMIT)).hasSize(3);
    }

    @Test
    @DisplayName("unknownOutcome refuses a selection of calls that are not writes")
    void unknownOutcomeTakesWritesOnly() {
      assertThatThrownBy(
              () -> store.unknownOutcome(WriteOutcome.applied(), Calls.of(Operation.GET)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(store.activeFaults()).isEmpty();
    }

    @Test
    @DisplayName("a random outcome with a seed repeats its choices, and each matches the store")
    void randomOutcomeIsRepeatableAndTrue() {
      List<FaultKind> first = randomRun(42, "r1");
      List<FaultKind> second = randomRun(42, "r2");
      assertThat(second).isEqualTo(first);
      assertThat(first)
          .contains(FaultKind.UNKNOWN_OUTCOME_APPLIED, FaultKind.UNKNOWN_OUTCOME_NOT_APPLIED);
    }

    private List<FaultKind> randomRun(long seed, String dir) {
      Fault f = store.unknownOutcome(WriteOutcome.random(seed), Calls.writes());
      List<FaultKind> seen = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String k = dir + "/" + i;
        assertThatThrownBy(() -> store.put(k, utf8("v")))
            .isInstanceOf(UnknownOutcomeException.class);
        FaultKind kind =
            store.calls(Operation.PUT).get(store.calls(Operation.PUT).size() - 1).faults().get(0);
        assertThat(inner.exists(k))
            .as("%s is in the store", k)
            .isEqualTo(kind == FaultKind.UNKNOWN_OUTCOME_APPLIED);
        seen.add(kind);
      }
      f.close();
      return seen;
    }

    // ---- 3. delay

    @Test
    @DisplayName("a delay holds the chosen calls at least its duration, then they go through")
    void delayHoldsChosenCalls() {
      store.put("k", utf8("v"));
      Duration d = Duration.ofMillis(300);
      try (Fault f = store.delay(d, Calls.of(Operation.GET))) {
        long start = System.nanoTime();
        assertThat(text(store.get("k"))).isEqualTo("v");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(d);
        store.put("k", utf8("w"));
        assertThat(store.calls(Operation.PUT))
            .last()
            .satisfies(c -> assertThat(c.faults()).isEmpty());
        assertThat(store.calls(Operation.GET))
            .last()
            .satisfies(c -> assertThat(c.faults()).containsExactly(FaultKind.DELAYED));
        assertThat(f.fired()).isEqualTo(1);
      }
      assertThat(store.activeFaults()).isEmpty();
    }

    @Test
    @DisplayName("an interrupt ends a delay: the call fails as unavailable and is not passed on")
    void delayIsInterruptible() throws Exception {
      store.delay(Duration.ofMinutes(5), Calls.of(Operation.PUT));
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicReference<Boolean> flag = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  store.put("k", utf8("v"));
                } catch (RuntimeException e) {
                  failure.set(e);
                  flag.set(Thread.currentThread().isInterrupted());
                }
              });
      t.setDaemon(true);
      t.start();
      Awaitility.await().atMost(BOUND).until(() -> t.getState() == Thread.State.TIMED_WAITING);
      t.interrupt();
      t.join(BOUND.toMillis());
      assertThat(failure.get())
          .isExactlyInstanceOf(StoreUnavailableException.class)
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(flag.get()).as("interrupt flag kept").isTrue();
      assertThat(inner.exists("k")).isFalse();
    }

    @Test
    @DisplayName("removing a delay releases the calls waiting in it: they go on at once")
    void removingADelayReleasesWaitingCalls() throws Exception {
      store.put("k", utf8("v"));
      Fault f = store.delay(Duration.ofMinutes(5), Calls.of(Operation.GET));
      AtomicReference<String> read = new AtomicReference<>();
      Thread t = new Thread(() -> read.set(text(store.get("k"))));
      t.setDaemon(true);
      t.start();
      Awaitility.await().atMost(BOUND).until(() -> t.getState() == Thread.State.TIMED_WAITING);

      f.close();

      t.join(BOUND.toMillis());
      assertThat(t.isAlive()).as("the get still waiting after the delay was removed").isFalse();
      assertThat(read.get()).isEqualTo("v");
    }

    // ---- 4. session loss

    @Test
    @DisplayName(
        "a lost session: listeners see SUSPENDED then LOST, locks are lost and free for another client, ephemeral keys go")
    void sessionLoss() throws Exception {
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      store.onConnectionStateChange(states::add, executor);
      Duration ttl = inner.capabilities().minEphemeralTtl().plusSeconds(2);
      LockLease lease = store.newLock("locks/a", LockOptions.builder().ttl(ttl).build()).lock();
      store.put("eph/a", utf8("e"), WriteOptions.ephemeral(ttl));
      store.atomicCreate("eph/b", utf8("e"), WriteOptions.ephemeral(ttl));
      store.put("plain", utf8("p"));
      Store other = client();
      assertThat(other.exists("eph/a")).isTrue();

      Fault loss = store.loseSession();

      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(states)
                      .containsExactly(ConnectionState.SUSPENDED, ConnectionState.LOST));
      assertThat(lease.lost()).isDone();
      assertThat(lease.isHeld()).isFalse();
      assertThatThrownBy(lease::checkHeld).isInstanceOf(LockLostException.class);
      Optional<LockLease> taken =
          other.newLock("locks/a", LockOptions.builder().ttl(ttl).build()).tryLock(BOUND);
      assertThat(taken).as("another client takes the lock").isPresent();
      assertThat(other.exists("eph/a")).isFalse();
      assertThat(other.exists("eph/b")).isFalse();
      assertThat(other.exists("plain")).isTrue();
      assertThatThrownBy(() -> store.get("plain"))
          .isExactlyInstanceOf(StoreUnavailableException.class);
      assertThat(store.calls(Operation.GET))
          .last()
          .satisfies(c -> assertThat(c.faults()).containsExactly(FaultKind.SESSION_LOST));
      assertThatThrownBy(store::loseSession).isInstanceOf(IllegalStateException.class);
      assertThat(store.toString()).contains("session lost");

      loss.close();
      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(states)
                      .containsExactly(
                          ConnectionState.SUSPENDED,
                          ConnectionState.LOST,
                          ConnectionState.RECONNECTED));
      assertThat(text(store.get("plain"))).isEqualTo("p");
      assertThat(lease.isHeld()).as("what was lost stays lost").isFalse();
      taken.get().close();
      try (LockLease again =
          store.newLock("locks/a", LockOptions.builder().ttl(ttl).build()).lock()) {
        assertThat(again.isHeld()).isTrue();
      }
      lease.close();
    }

    // ---- 5. dropped watches

    @Test
    @DisplayName("a dropped key watch delivers RESYNC with the key's state, then goes on")
    void droppedKeyWatchResyncs() throws Exception {
      store.put("w/k", utf8("1"));
      try (Watch<KeyEvent> w = store.watch("w/k")) {
        assertThat(w.take().type()).isEqualTo(EventType.CURRENT);
        store.put("w/k", utf8("2"));
        KeyEvent put = w.take();
        assertThat(put.type()).isEqualTo(EventType.PUT);
        inner.put("w/k", utf8("3"));

        assertThat(store.dropWatches()).isEqualTo(1);

        KeyEvent resync = next(w, e -> e.type() == EventType.RESYNC);
        assertThat(text(resync.pair().orElseThrow())).isEqualTo("3");
        assertThat(resync.index()).isGreaterThanOrEqualTo(put.index());
        other().put("w/k", utf8("4"));
        KeyEvent after = w.poll(BOUND).orElseThrow();
        assertThat(after.type()).isEqualTo(EventType.PUT);
        assertThat(text(after.pair().orElseThrow())).isEqualTo("4");
        assertThat(after.index()).isGreaterThan(resync.index());
      }
      assertThat(store.dropWatches()).as("a closed watch is not dropped").isZero();
    }

    @Test
    @DisplayName(
        "a dropped tree watch (listener) delivers RESYNC with the directory's state, then goes on")
    void droppedTreeListenerResyncs() {
      store.put("t/a", utf8("1"));
      List<TreeEvent> events = new CopyOnWriteArrayList<>();
      Subscription s =
          store.watchTree(
              "t",
              WatchOptions.DEFAULT,
              new WatchListener<>() {
                @Override
                public void onEvent(TreeEvent e) {
                  events.add(e);
                }
              },
              executor);
      Awaitility.await().atMost(BOUND).until(() -> !events.isEmpty());
      inner.put("t/b", utf8("2"));
      Awaitility.await().atMost(BOUND).until(() -> events.size() >= 2);

      assertThat(store.dropWatches()).isEqualTo(1);
      Awaitility.await()
          .atMost(BOUND)
          .until(() -> events.stream().anyMatch(e -> e.type() == EventType.RESYNC));
      TreeEvent resync =
          events.stream().filter(e -> e.type() == EventType.RESYNC).findFirst().orElseThrow();
      assertThat(resync.pairs()).extracting(KVPair::key).containsExactly("t/a", "t/b");
      other().put("t/c", utf8("3"));
      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(events.get(events.size() - 1).pairs())
                      .extracting(KVPair::key)
                      .containsExactly("t/a", "t/b", "t/c"));
      TreeEvent last = events.get(events.size() - 1);
      assertThat(last.type()).isEqualTo(EventType.PUT);
      assertThat(events.indexOf(last)).isGreaterThan(events.indexOf(resync));
      for (int i = 1; i < events.size(); i++) {
        assertThat(events.get(i).index()).isGreaterThanOrEqualTo(events.get(i - 1).index());
      }
      s.close();
      assertThat(store.dropWatches()).isZero();
    }

    @Test
    @DisplayName("a consumer blocked in take() when its watch is dropped gets the RESYNC")
    void blockedTakeGetsTheResync() throws Exception {
      try (Watch<TreeEvent> w = store.watchTree("b")) {
        assertThat(w.take().type()).isEqualTo(EventType.ABSENT);
        AtomicReference<TreeEvent> got = new AtomicReference<>();
        Thread t =
            new Thread(
                () -> {
                  try {
                    got.set(w.take());
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        t.setDaemon(true);
        t.start();
        Awaitility.await().atMost(BOUND).until(() -> t.getState() == Thread.State.WAITING);
        inner.put("b/x", utf8("1")); // may reach the old stream or the new one's state
        store.dropWatches();
        t.join(BOUND.toMillis());
        TreeEvent first = got.get();
        assertThat(first).as("what the blocked take returned").isNotNull();
        if (first.type() == EventType.PUT) {
          // the put beat the drop on the old stream; the RESYNC follows
          first = w.poll(BOUND).orElseThrow();
        }
        assertThat(first.type()).isEqualTo(EventType.RESYNC);
        assertThat(first.pairs()).extracting(KVPair::key).containsExactly("b/x");
      }
    }

    @Test
    @DisplayName("a dropped key watch (listener) delivers RESYNC of an absent key, then goes on")
    void droppedKeyListenerResyncs() {
      List<KeyEvent> events = new CopyOnWriteArrayList<>();
      try (Subscription s = store.watch("l/k", WatchOptions.DEFAULT, events::add, executor)) {
        Awaitility.await().atMost(BOUND).until(() -> events.size() == 1);
        assertThat(events.get(0).type()).isEqualTo(EventType.ABSENT);
        store.dropWatches();
        Awaitility.await().atMost(BOUND).until(() -> events.size() == 2);
        assertThat(events.get(1).type()).isEqualTo(EventType.RESYNC);
        assertThat(events.get(1).exists()).isFalse();
        inner.put("l/k", utf8("1"));
        Awaitility.await().atMost(BOUND).until(() -> events.size() == 3);
        assertThat(events.get(2).type()).isEqualTo(EventType.PUT);
        assertThat(s).isNotNull();
      }
    }

    Store other() {
      return client();
    }

    private static KeyEvent next(Watch<KeyEvent> w, java.util.function.Predicate<KeyEvent> p)
        throws InterruptedException {
      KeyEvent e = w.poll(BOUND).orElseThrow();
      assertThat(p).accepts(e);
      return e;
    }
  }
}
