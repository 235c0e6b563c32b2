package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import io.libkv.Capabilities;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyNotFoundException;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TransactionTooLargeException;
import io.libkv.TreeEvent;
import io.libkv.UpdateOptions;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Transactions as one ZooKeeper multi-op, on a real standalone server. */
class ZooKeeperTransactionTest {
  private static ZooKeeperServer server;

  private ZooKeeperStore store;
  private String chroot;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void open(TestInfo info) {
    chroot = ZkTesting.freshChroot(info.getTestMethod().map(m -> m.getName()).orElse("x"));
    store = track(ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T c) {
    closeables.add(c);
    return c;
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private Optional<KVPair> read(String key) {
    try {
      return Optional.of(store.get(key));
    } catch (KeyNotFoundException e) {
      return Optional.empty();
    }
  }

  private static <E> E next(Watch<E> w) throws InterruptedException {
    Optional<E> e = w.poll(Duration.ofSeconds(10));
    assertThat(e).as("an event within 10 s").isPresent();
    return e.get();
  }

  @Test
  void putsAndDeletesCommitUnderConditionsOnSeveralKeys() throws Exception {
    KVPair a = store.atomicCreate("a", b("1"), WriteOptions.DEFAULT);
    store.put("b", b("2"));
    store.put("c", b("3"));
    store.put("dir/child", b("4")); // "dir" is an implicit parent: absent as a key
    TransactionResult r =
        store.commit(
            Transaction.builder()
                .ifIndex(a)
                .ifPresent("b")
                .ifAbsent("new")
                .ifAbsent("dir")
                .ifAbsent("none/at/all")
                .put("a", b("1+"))
                .put("new/deep/key", b("n"))
                .put("dir", b("d"))
                .delete("c")
                .delete("missing/key")
                .build());
    assertThat(r.committed()).as(r.toString()).isTrue();
    assertThat(r.indexes()).containsOnlyKeys("a", "new/deep/key", "dir");
    long index = r.index().orElseThrow();
    assertThat(r.indexes().values()).as("one multi-op: one zxid").containsOnly(index);
    assertThat(store.get("a").lastIndex()).isEqualTo(r.indexes().get("a"));
    assertThat(store.get("a").valueAsString()).isEqualTo("1+");
    assertThat(store.get("new/deep/key").lastIndex()).isEqualTo(r.indexes().get("new/deep/key"));
    assertThat(store.get("dir").valueAsString()).isEqualTo("d");
    assertThat(store.get("dir/child").valueAsString()).isEqualTo("4");
    assertThat(read("c")).isEmpty();
    assertThat(read("missing/key")).isEmpty();
    // the nodes that proved keys absent are gone, and no parent was made for them
    try (CuratorFramework raw = ZkTesting.raw(server.connectString())) {
      assertThat(raw.checkExists().forPath("/" + chroot + "/none")).isNull();
      assertThat(raw.checkExists().forPath("/" + chroot + "/missing")).isNull();
      assertThat(raw.checkExists().forPath("/" + chroot + "/new/deep")).isNotNull();
    }
  }

  @Test
  void eachConditionKindFailsNamingTheFirstFailingOneAndAppliesNothing() {
    KVPair x = store.atomicCreate("x", b("x1"), WriteOptions.DEFAULT);
    store.put("x", b("x2"));
    store.put("p/q", b("under p")); // p: an implicit parent, not a key
    store.put("y", b("y"));

    // Absent on a key that exists
    TransactionResult absent =
        store.commit(Transaction.builder().ifAbsent("y").put("w", b("w")).build());
    assertThat(absent.committed()).isFalse();
    assertThat(absent.failedCondition()).contains(new Transaction.Absent("y"));
    assertThat(absent.knowsCurrent()).isTrue();
    assertThat(absent.current("y").orElseThrow().valueAsString()).isEqualTo("y");

    // Present on a missing key and on an implicit parent
    TransactionResult present =
        store.commit(Transaction.builder().ifPresent("p").put("w", b("w")).build());
    assertThat(present.failedCondition()).contains(new Transaction.Present("p"));
    assertThat(present.currentPairs()).isEmpty();
    assertThat(
            store
                .commit(Transaction.builder().ifPresent("nothing").put("w", b("w")).build())
                .failedCondition())
        .contains(new Transaction.Present("nothing"));

    // IndexEquals on a key written since
    TransactionResult stale =
        store.commit(Transaction.builder().ifIndex(x).put("w", b("w")).build());
    assertThat(stale.failedCondition()).contains(new Transaction.IndexEquals("x", x.lastIndex()));
    assertThat(stale.current("x").orElseThrow().valueAsString()).isEqualTo("x2");

    // several fail: the first in the transaction's order is named, whatever the kind
    TransactionResult several =
        store.commit(
            Transaction.builder()
                .ifPresent("y") // holds
                .ifAbsent("q") // holds
                .ifIndex(x) // fails first
                .ifPresent("nothing") // fails too
                .ifAbsent("y") // fails too
                .put("w", b("w"))
                .delete("y")
                .build());
    assertThat(several.committed()).isFalse();
    assertThat(several.failedCondition()).contains(new Transaction.IndexEquals("x", x.lastIndex()));
    assertThat(several.currentPairs()).containsOnlyKeys("y", "x");
    assertThat(several.index()).isEmpty();
    assertThat(several.indexes()).isEmpty();

    // nothing of any of them applied
    assertThat(read("w")).isEmpty();
    assertThat(store.get("y").valueAsString()).isEqualTo("y");
    assertThat(store.get("x").valueAsString()).isEqualTo("x2");
  }

  @Test
  void belowAnEphemeralKeyAKeyIsAbsentAndCannotBePut() {
    store.put("eph", b("e"), WriteOptions.ephemeral(Duration.ofSeconds(2)));
    TransactionResult r =
        store.commit(
            Transaction.builder().ifAbsent("eph/x").delete("eph/y").put("z", b("z")).build());
    assertThat(r.committed()).as(r.toString()).isTrue();
    assertThat(store.get("z").lastIndex()).isEqualTo(r.indexes().get("z"));
    assertThatExceptionOfType(io.libkv.InvalidKeyException.class)
        .isThrownBy(
            () ->
                store.commit(Transaction.builder().put("eph/x", b("x")).put("z2", b("z")).build()))
        .withMessageContaining("ephemeral");
    assertThat(read("z2")).as("nothing applied").isEmpty();
  }

  @Test
  void aKeyDeletedWhileAKeyIsPutBelowItBecomesAnImplicitParent() throws Exception {
    store.put("up", b("u"));
    try (Watch<TreeEvent> tree = store.watchTree("")) {
      next(tree);
      TransactionResult r =
          store.commit(Transaction.builder().put("up/below", b("b")).delete("up").build());
      assertThat(r.committed()).as(r.toString()).isTrue();
      assertThat(read("up")).isEmpty();
      assertThat(store.get("up/below").valueAsString()).isEqualTo("b");
      TreeEvent e = next(tree);
      assertThat(e.type())
          .as("deletes before puts, as in memory")
          .isEqualTo(io.libkv.EventType.PUT);
      assertThat(e.changes())
          .extracting(TreeEvent.Change::key)
          .containsExactlyInAnyOrder("up", "up/below");
    }
  }

  @Test
  void updateRetriesFromTheCurrentPairsAFailureReturns() {
    store.put("n", b("0"));
    KVPair stale = store.get("n");
    store.put("n", b("5"));
    // a commit against a stale pair fails and says what is there now
    TransactionResult r =
        store.commit(Transaction.builder().ifIndex(stale).put("n", b("1")).build());
    assertThat(r.current("n").orElseThrow().valueAsString()).isEqualTo("5");
    KVPair done =
        store.update(
            "n",
            UpdateOptions.DEFAULT,
            cur -> b(Integer.toString(Integer.parseInt(cur.orElseThrow().valueAsString()) + 1)));
    assertThat(done.valueAsString()).isEqualTo("6");
    assertThat(store.get("n")).isEqualTo(done);
  }

  @Test
  void aTransactionReachesATreeWatchAsOneEventAtItsIndexAndKeyWatchesAtTheirKeys()
      throws Exception {
    store.put("t/gone", b("g"));
    try (Watch<TreeEvent> tree = store.watchTree("t");
        Watch<KeyEvent> key = store.watch("t/k2")) {
      next(tree);
      next(key);
      for (int round = 0; round < 10; round++) {
        Transaction.Builder t = Transaction.builder().ifAbsent("t/proof" + round);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          String k = "t/k" + i + (i % 2 == 0 ? "" : "/deep");
          keys.add(k);
          t.put(k, b(round + "-" + i));
        }
        if (round == 0) {
          t.delete("t/gone");
          keys.add("t/gone");
        }
        TransactionResult r = store.commit(t.build());
        assertThat(r.committed()).isTrue();
        TreeEvent e = next(tree);
        assertThat(e.changes())
            .as("round %d: all the transaction's changes in one event", round)
            .extracting(TreeEvent.Change::key)
            .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(e.index()).isEqualTo(r.index().orElseThrow());
        KeyEvent k = next(key);
        assertThat(k.index()).isEqualTo(r.indexes().get("t/k2"));
        assertThat(k.pair().orElseThrow().valueAsString()).isEqualTo(round + "-2");
      }
      assertThat(tree.poll(Duration.ofMillis(300)))
          .as("no event for the node that proved a key absent")
          .isEmpty();
    }
  }

  /**
   * ZooKeeper's client hands a multi-op's watch events over one by one on its event thread; here
   * another watcher of the same handle makes that thread slow, so the store's watch thread has read
   * and published the first change before the next one reaches it.
   */
  @Test
  void aTransactionIsOneTreeEventEvenWhenTheClientsEventThreadLags() throws Exception {
    org.apache.zookeeper.ZooKeeper zk = store.currentZooKeeper();
    zk.addWatch(
        "/" + chroot + "/s",
        e -> {
          try {
            Thread.sleep(30);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        },
        org.apache.zookeeper.AddWatchMode.PERSISTENT_RECURSIVE);
    try (Watch<TreeEvent> tree = store.watchTree("s")) {
      next(tree);
      for (int round = 0; round < 3; round++) {
        Transaction.Builder t = Transaction.builder();
        for (int i = 0; i < 6; i++) {
          t.put("s/k" + i, b(round + "-" + i));
        }
        TransactionResult r = store.commit(t.build());
        TreeEvent e = next(tree);
        assertThat(e.changes())
            .as("round %d: the transaction's six changes in one event", round)
            .hasSize(6);
        assertThat(e.index()).isEqualTo(r.index().orElseThrow());
      }
    }
  }

  /**
   * A deleted node has no stat to read an index from; its parent's pzxid, read when the watch gets
   * round to the event, may already count a later creation below the parent. With the client's
   * event thread slowed, that read comes after the next write, and the delete's event carried that
   * write's index (the kit's treeBurstEndsWithFinalState then saw two tree events at one index).
   */
  @Test
  void aDeleteEventCarriesTheDeletionsOwnIndexEvenWhenTheWatchLags() throws Exception {
    org.apache.zookeeper.ZooKeeper zk = store.currentZooKeeper();
    zk.addWatch(
        "/" + chroot + "/lag",
        e -> {
          try {
            Thread.sleep(50);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        },
        org.apache.zookeeper.AddWatchMode.PERSISTENT_RECURSIVE);
    store.put("lag/a", b("1"));
    try (Watch<io.libkv.KeyEvent> w = store.watch("lag/a")) {
      next(w);
      TransactionResult r = store.commit(Transaction.builder().delete("lag/a").build());
      store.put("lag/b", b("x")); // moves the parent's pzxid past the deletion
      io.libkv.KeyEvent e = next(w);
      assertThat(e.type()).isEqualTo(io.libkv.EventType.DELETE);
      assertThat(e.index()).isEqualTo(r.index().orElseThrow());
      assertThat(e.index()).isLessThan(store.get("lag/b").lastIndex());
    }
  }

  @Test
  void aMultiOpPutAllReachesATreeWatchAsOneEvent() throws Exception {
    try (Watch<TreeEvent> tree = store.watchTree("m")) {
      next(tree);
      for (int round = 0; round < 20; round++) {
        Map<String, byte[]> entries = new HashMap<>();
        for (int i = 0; i < 12; i++) {
          entries.put("m/k" + i, b(round + "-" + i));
        }
        store.putAll(entries);
        TreeEvent e = next(tree);
        assertThat(e.changes())
            .as("round %d: the putAll's twelve changes in one event", round)
            .hasSize(12);
      }
    }
  }

  @Test
  void limitsAreTheRequestPacketsAndATransactionAtThemCommits() {
    Capabilities.TransactionLimits l = store.capabilities().transactionLimits();
    assertThat(l.maxSteps()).isEqualTo(Transactions.MAX_STEPS);
    assertThat(l.maxOperations()).isEqualTo(Transactions.MAX_STEPS);
    assertThat(l.maxConditions()).isEqualTo(Transactions.MAX_STEPS);
    assertThat(l.maxBytes()).isBetween(500_000L, (long) Session.DEFAULT_JUTE_MAXBUFFER);
    assertThat(l.ephemeralPuts()).isTrue();
    assertThat(l.expiringPuts()).isTrue();

    // at every limit at once, with the costliest translation: long keys proved absent
    // (create + delete each) and puts replacing ephemeral nodes (delete + create each)
    int half = l.maxSteps() / 2;
    String pad = "k".repeat(io.libkv.Keys.MAX_KEY_BYTES - 10);
    List<String> replaced = new ArrayList<>();
    for (int i = 0; i < half; i++) {
      String k = String.format("%s%04d", pad.substring(0, pad.length() - 5), i);
      store.put(k, b("e"), WriteOptions.ephemeral(Duration.ofSeconds(2)));
      replaced.add(k);
    }
    Transaction.Builder t = Transaction.builder();
    long bytes = 0;
    for (int i = 0; i < half; i++) {
      String k = String.format("a%s%04d", pad.substring(0, pad.length() - 6), i);
      t.ifAbsent(k);
      bytes += k.length();
    }
    for (int i = 0; i < half - 1; i++) {
      t.put(replaced.get(i), b("v"));
      bytes += replaced.get(i).length() + 1;
    }
    String last = replaced.get(half - 1);
    bytes += last.length();
    byte[] big = new byte[(int) (l.maxBytes() - bytes)];
    Arrays.fill(big, (byte) 'z');
    Transaction atLimit = t.put(last, big).build();
    assertThat(atLimit.conditions().size() + atLimit.operations().size()).isEqualTo(l.maxSteps());

    // one byte over: refused before sending, nothing applied
    byte[] over = Arrays.copyOf(big, big.length + 1);
    Transaction.Builder t2 = Transaction.builder();
    atLimit.conditions().forEach(t2::condition);
    for (int i = 0; i < half - 1; i++) {
      t2.put(replaced.get(i), b("v"));
    }
    assertThatExceptionOfType(TransactionTooLargeException.class)
        .isThrownBy(() -> store.commit(t2.put(last, over).build()))
        .satisfies(e -> assertThat(e.limitName()).isEqualTo("bytes"))
        .satisfies(e -> assertThat(e.limit()).isEqualTo(l.maxBytes()));
    // one step over
    Transaction.Builder t3 = Transaction.builder().ifAbsent("one-more");
    atLimit.conditions().forEach(t3::condition);
    atLimit.operations().forEach(t3::operation);
    assertThatExceptionOfType(TransactionTooLargeException.class)
        .isThrownBy(() -> store.commit(t3.build()))
        .satisfies(e -> assertThat(e.limitName()).isEqualTo("steps"));
    assertThat(store.get(replaced.get(0)).valueAsString()).as("nothing applied").isEqualTo("e");

    TransactionResult r = store.commit(atLimit);
    assertThat(r.committed()).as(r.toString()).isTrue();
    assertThat(store.get(last).value()).isEqualTo(big);
    assertThat(store.get(last).lastIndex()).isEqualTo(r.indexes().get(last));
  }

  @Test
  void ephemeralAndExpiringPutsInsideATransactionGoWithTheSessionAndTheirTtl() throws Exception {
    ZooKeeperStore owner =
        ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
    try {
      TransactionResult r =
          owner.commit(
              Transaction.builder()
                  .ifAbsent("e")
                  .put("e", b("mine"), WriteOptions.ephemeral(Duration.ofSeconds(1)))
                  .put("x", b("soon gone"), WriteOptions.expiring(Duration.ofMillis(300)))
                  .put("plain", b("stays"))
                  .build());
      assertThat(r.committed()).isTrue();
      assertThat(store.get("e").lastIndex()).isEqualTo(r.indexes().get("e"));
      try (CuratorFramework raw = ZkTesting.raw(server.connectString())) {
        assertThat(raw.checkExists().forPath("/" + chroot + "/e").getEphemeralOwner())
            .as("an ephemeral node of the store's session")
            .isEqualTo(owner.currentZooKeeper().getSessionId());
        assertThat(Nodes.notPlain(raw.checkExists().forPath("/" + chroot + "/x")))
            .as("a TTL node marked as such")
            .isTrue();
      }
      Duration sweep = ZooKeeperServer.containerCheckInterval();
      await()
          .atMost(Duration.ofMillis(300).plus(sweep).plus(sweep).plusSeconds(2))
          .until(() -> read("x").isEmpty());
      assertThat(read("e")).isPresent();
    } finally {
      owner.close();
    }
    // the session went with the store's close, the ephemeral key with it
    await().atMost(Duration.ofSeconds(3)).until(() -> read("e").isEmpty());
    assertThat(store.get("plain").valueAsString()).isEqualTo("stays");
  }
}
