package io.libkv.testkit;

import static io.libkv.testkit.StoreCompatibilityKit.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.libkv.CallNotSupportedException;
import io.libkv.Capabilities;
import io.libkv.EventType;
import io.libkv.InvalidKeyException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TransactionTooLargeException;
import io.libkv.TreeEvent;
import io.libkv.ValueTooLargeException;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The transaction sentences of the contract; run by {@link StoreCompatibilityKit} per backend. */
abstract class TransactionContract {
  private final StoreCompatibilityKit kit;

  TransactionContract(StoreCompatibilityKit kit) {
    this.kit = kit;
  }

  private Store store() {
    return kit.store;
  }

  private String key(String s) {
    return kit.key(s);
  }

  private String value(String k) {
    return store().get(k).valueAsString();
  }

  @Test
  @Tag("core")
  @DisplayName(
      "A transaction whose conditions hold applies every put and delete; its result gives each put key's new index")
  void commitAppliesEverything() {
    String a = key("a");
    String b = key("b");
    String c = key("c");
    store().put(a, utf8("a0"));
    store().put(c, utf8("c0"));
    KVPair pa = store().get(a);
    TransactionResult r =
        store()
            .commit(
                Transaction.builder()
                    .ifIndex(pa)
                    .ifAbsent(b)
                    .ifPresent(c)
                    .put(a, utf8("a1"))
                    .put(b, utf8("b1"))
                    .delete(c)
                    .build());
    assertThat(r.committed()).as("%s", r).isTrue();
    assertThat(r.failedCondition()).isEmpty();
    assertThat(r.indexes()).containsOnlyKeys(a, b);
    assertThat(value(a)).isEqualTo("a1");
    assertThat(value(b)).isEqualTo("b1");
    assertThat(store().exists(c)).isFalse();
    assertThat(r.indexes().get(a)).isEqualTo(store().get(a).lastIndex());
    assertThat(r.indexes().get(b)).isEqualTo(store().get(b).lastIndex());
    assertThat(store().get(a).lastIndex()).isGreaterThan(pa.lastIndex());
    assertThat(r.index()).isPresent();
    assertThat(r.index().getAsLong()).isGreaterThanOrEqualTo(r.indexes().get(a));
    // another client sees the whole transaction
    Store other = kit.client();
    kit.assertNothingMissing(other, a, b);
  }

  @Test
  @Tag("core")
  @DisplayName(
      "A transaction whose condition fails applies nothing and names the first condition that failed")
  void failedConditionAppliesNothing() {
    String a = key("a");
    String b = key("b");
    String fresh = key("fresh");
    store().put(a, utf8("a0"));
    store().put(b, utf8("b0"));
    KVPair pa = store().get(a);
    store().put(a, utf8("a-changed"));
    KVPair pb = store().get(b);

    // index differs
    assertFails(
        Transaction.builder().ifIndex(pa).put(b, utf8("x")).put(fresh, utf8("x")).build(),
        new Transaction.IndexEquals(a, pa.lastIndex()));
    // absent required, present found
    assertFails(
        Transaction.builder().ifIndex(pb).ifAbsent(a).put(b, utf8("x")).delete(a).build(),
        new Transaction.Absent(a));
    // present required, absent found
    assertFails(
        Transaction.builder().ifPresent(fresh).put(b, utf8("x")).build(),
        new Transaction.Present(fresh));
    // several fail: the first in the transaction's order is named
    assertFails(
        Transaction.builder().ifIndex(pb).ifPresent(fresh).ifIndex(pa).put(b, utf8("x")).build(),
        new Transaction.Present(fresh));
    assertThat(value(a)).isEqualTo("a-changed");
    assertThat(value(b)).isEqualTo("b0");
    assertThat(store().get(b).lastIndex()).isEqualTo(pb.lastIndex());
    assertThat(store().exists(fresh)).isFalse();
  }

  private void assertFails(Transaction t, Transaction.Condition expected) {
    TransactionResult r = store().commit(t);
    assertThat(r.committed()).as("%s", t).isFalse();
    assertThat(r.indexes()).isEmpty();
    assertThat(r.index()).isEmpty();
    assertThat(r.failedCondition()).as("%s", t).contains(expected);
    if (r.knowsCurrent()) {
      // the pairs read with the failure are the keys' state (nothing else writes them here)
      for (String k : t.comparedKeys()) {
        if (store().exists(k)) {
          assertThat(r.current(k)).as("current %s", k).contains(store().get(k));
        } else {
          assertThat(r.current(k)).as("current %s", k).isEmpty();
        }
      }
      assertThat(r.currentPairs().keySet()).isSubsetOf(t.comparedKeys());
    }
  }

  @Test
  @DisplayName("compareAndDelete deletes only an unchanged key")
  void compareAndDelete() {
    String a = key("a");
    store().put(a, utf8("1"));
    KVPair p = store().get(a);
    store().put(a, utf8("2"));
    TransactionResult r = store().commit(Transaction.builder().compareAndDelete(p).build());
    assertThat(r.committed()).isFalse();
    assertThat(r.failedCondition()).contains(new Transaction.IndexEquals(a, p.lastIndex()));
    assertThat(value(a)).isEqualTo("2");
    KVPair now = store().get(a);
    assertThat(store().commit(Transaction.builder().compareAndDelete(now).build()).committed())
        .isTrue();
    assertThat(store().exists(a)).isFalse();
  }

  @Test
  @Tag("core")
  @DisplayName("A transaction's writes reach a tree watch as one event, at one index")
  void oneTreeEvent() throws Exception {
    String dir = key("dir");
    store().put(dir + "/old", utf8("o"));
    try (Watch<TreeEvent> w = kit.client().watchTree(dir)) {
      assertThat(kit.next(w).type()).isEqualTo(EventType.CURRENT);
      TransactionResult r =
          store()
              .commit(
                  Transaction.builder()
                      .put(dir + "/x", utf8("1"))
                      .put(dir + "/y", utf8("2"))
                      .put(dir + "/z", utf8("3"))
                      .delete(dir + "/old")
                      .build());
      assertThat(r.committed()).isTrue();
      TreeEvent e = kit.next(w);
      assertThat(e.type()).isEqualTo(EventType.PUT);
      assertThat(StoreCompatibilityKit.keysOf(e.pairs()))
          .containsExactly(dir + "/x", dir + "/y", dir + "/z");
      assertThat(e.changes().stream().map(TreeEvent.Change::key).collect(Collectors.toList()))
          .containsExactlyInAnyOrder(dir + "/old", dir + "/x", dir + "/y", dir + "/z");
      assertThat(e.pairs())
          .allSatisfy(p -> assertThat(p.lastIndex()).isEqualTo(e.pairs().get(0).lastIndex()));
      Waits.quiet(w, kit.timing.promptly);
    }
  }

  @Test
  @DisplayName(
      "Limits: a transaction at the backend's limits commits; one over fails typed, naming the limit, with nothing sent")
  void limits() {
    Capabilities.TransactionLimits l = kit.caps.transactionLimits();
    int ops = Math.min(Math.min(l.maxOperations(), l.maxSteps()), 500);
    Transaction.Builder at = Transaction.builder();
    for (int i = 0; i < ops; i++) {
      at.put(key("at/k" + i), utf8("v"));
    }
    assertThat(store().commit(at.build()).committed()).isTrue();
    assertThat(store().list(key("at"))).hasSize(ops);
    if (l.maxOperations() <= 10_000) {
      Transaction.Builder over = Transaction.builder();
      for (int i = 0; i <= l.maxOperations(); i++) {
        over.put(key("over/k" + i), utf8("v"));
      }
      TransactionTooLargeException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              TransactionTooLargeException.class, () -> store().commit(over.build()));
      assertThat(e).as("one operation over the limit").isNotNull();
      assertThat(e.limitName()).isIn("operations", "steps");
      assertThat(e.getMessage()).contains(String.valueOf(e.limit()));
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store().list(key("over")));
    }
    if (l.maxConditions() <= 10_000) {
      Transaction.Builder over = Transaction.builder();
      for (int i = 0; i <= l.maxConditions(); i++) {
        over.ifAbsent(key("c/k" + i));
      }
      over.put(key("c/written"), utf8("v"));
      TransactionTooLargeException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              TransactionTooLargeException.class, () -> store().commit(over.build()));
      assertThat(e).as("one condition over the limit").isNotNull();
      assertThat(e.limitName()).isIn("conditions", "steps");
      assertThat(store().exists(key("c/written"))).isFalse();
    }
    long valueSize = Math.min(kit.caps.maxValueBytes(), 64 * 1024);
    if (l.maxBytes() <= 16L * 1024 * 1024
        && valueSize > 0
        && (l.maxBytes() / valueSize) + 2 <= Math.min(l.maxOperations(), l.maxSteps())) {
      Transaction.Builder over = Transaction.builder();
      byte[] v = new byte[(int) valueSize];
      for (long n = 0, i = 0; n <= l.maxBytes(); n += valueSize, i++) {
        over.put(key("b/k" + i), v);
      }
      TransactionTooLargeException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              TransactionTooLargeException.class, () -> store().commit(over.build()));
      assertThat(e).as("bytes over the limit").isNotNull();
      assertThat(e.limitName()).isEqualTo("bytes");
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store().list(key("b")));
    }
  }

  @Test
  @DisplayName(
      "Bad input is refused before anything is written: a key written twice, a bad key, a value over the limit")
  void badInput() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                store()
                    .commit(
                        Transaction.builder()
                            .put(key("a"), utf8("1"))
                            .put("/" + key("a") + "/", utf8("2"))
                            .build()));
    assertThatExceptionOfType(InvalidKeyException.class)
        .isThrownBy(
            () ->
                store()
                    .commit(
                        Transaction.builder()
                            .put(key("ok"), utf8("1"))
                            .put(key("bad//key"), utf8("2"))
                            .build()));
    long max = kit.caps.maxValueBytes();
    if (max < 64L * 1024 * 1024) {
      assertThatExceptionOfType(ValueTooLargeException.class)
          .isThrownBy(
              () ->
                  store()
                      .commit(
                          Transaction.builder()
                              .put(key("ok"), utf8("1"))
                              .put(key("big"), new byte[(int) max + 1])
                              .build()));
    }
    kit.assertNothingWritten();
  }

  @Test
  @DisplayName(
      "TTL puts inside a transaction: an ephemeral key goes with its store, where the backend can; else refused before sending")
  void ttlPuts() {
    Capabilities.TransactionLimits l = kit.caps.transactionLimits();
    Store owner = kit.client();
    String eph = key("eph");
    Transaction t =
        Transaction.builder()
            .put(eph, utf8("e"), kit.ephemeral())
            .put(key("plain"), utf8("p"))
            .build();
    if (!kit.caps.ephemeralTtl() || !l.ephemeralPuts()) {
      assertThatExceptionOfType(CallNotSupportedException.class).isThrownBy(() -> owner.commit(t));
      kit.assertNothingWritten();
      return;
    }
    assertThat(owner.commit(t).committed()).isTrue();
    kit.assertNothingMissing(store(), eph, key("plain"));
    owner.close();
    Waits.within(kit.timing.ephemeralGone).until(() -> !store().exists(eph));
    assertThat(store().exists(key("plain"))).isTrue();
  }

  @Test
  @Tag("core")
  @DisplayName(
      "Clients moving one unit at a time between two counters by transaction end with the sum unchanged")
  void countersKeepTheirSum() throws Exception {
    String a = key("a");
    String b = key("b");
    store().put(a, utf8("100"));
    store().put(b, utf8("100"));
    int workers = 4;
    int movesEach = 15;
    AtomicInteger net = new AtomicInteger(); // units moved from a to b
    AtomicInteger conflicts = new AtomicInteger();
    List<Store> clients = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      clients.add(kit.client());
    }
    Waits.inParallel(
        workers,
        kit.timing.operation.multipliedBy(6),
        i -> {
          Store s = clients.get(i);
          int done = 0;
          for (int attempt = 0; done < movesEach && attempt < 2_000; attempt++) {
            KVPair pa = s.get(a);
            KVPair pb = s.get(b);
            int d = ThreadLocalRandom.current().nextBoolean() ? 1 : -1;
            TransactionResult r =
                s.commit(
                    Transaction.builder()
                        .ifIndex(pa)
                        .ifIndex(pb)
                        .put(a, utf8(String.valueOf(Integer.parseInt(pa.valueAsString()) - d)))
                        .put(b, utf8(String.valueOf(Integer.parseInt(pb.valueAsString()) + d)))
                        .build());
            if (r.committed()) {
              net.addAndGet(d);
              done++;
            } else {
              conflicts.incrementAndGet();
            }
          }
          assertThat(done).as("worker %d moves", i).isEqualTo(movesEach);
        });
    int va = Integer.parseInt(value(a));
    int vb = Integer.parseInt(value(b));
    assertThat(va + vb).as("sum (conflicts: %d)", conflicts.get()).isEqualTo(200);
    assertThat(va).isEqualTo(100 - net.get());
  }

  @Test
  @DisplayName("A transaction racing a deleteTree either commits before it or fails")
  void transactionRacingDeleteTree() throws Exception {
    Store other = kit.client();
    for (int round = 0; round < 15; round++) {
      String dir = key("r" + round);
      store().put(dir + "/x", utf8("x"));
      java.util.concurrent.CompletableFuture<TransactionResult> txn =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  store()
                      .commit(
                          Transaction.builder()
                              .ifPresent(dir + "/x")
                              .put(dir + "/y", utf8("y"))
                              .build()));
      other.deleteTree(dir);
      TransactionResult r =
          txn.get(kit.timing.operation.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      // committed before the deleteTree: it took y with it; after it: the condition failed (read
      // on the committing client, whose member may not have applied the other client's deleteTree)
      kit.assertSeesDeletion(store(), dir + "/y", "round " + round + ": " + r);
      if (!r.committed()) {
        assertThat(r.failedCondition()).contains(new Transaction.Present(dir + "/x"));
      }
    }
  }

  @Test
  @DisplayName("A transaction is evaluated atomically: readers never see half of it")
  void readersNeverSeeHalf() throws Exception {
    String dir = key("pair");
    store().putAll(Map.of(dir + "/a", utf8("0"), dir + "/b", utf8("0")));
    Store reader = kit.client();
    int torn = 0;
    java.util.concurrent.CompletableFuture<Void> writer =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              for (int i = 1; i <= 40; i++) {
                store()
                    .commit(
                        Transaction.builder()
                            .put(dir + "/a", utf8(String.valueOf(i)))
                            .put(dir + "/b", utf8(String.valueOf(i)))
                            .build());
              }
            });
    while (!writer.isDone()) {
      List<KVPair> l = reader.list(dir);
      if (l.size() != 2 || !l.get(0).valueAsString().equals(l.get(1).valueAsString())) {
        torn++;
      }
    }
    writer.get();
    assertThat(torn).as("listings showing half a transaction").isZero();
    assertThat(value(dir + "/a")).isEqualTo("40");
  }

  @Test
  @DisplayName("Plain write options are the default; a put's options are kept")
  void writeOptionsKept() {
    Transaction t = Transaction.builder().put(key("a"), utf8("1"), WriteOptions.DEFAULT).build();
    assertThat(((Transaction.Put) t.operations().get(0)).options()).isSameAs(WriteOptions.DEFAULT);
    assertThat(store().commit(t).committed()).isTrue();
  }
}
