package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.KeyNotFoundException;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.TcpProxy;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults on a real standalone server: expired sessions, a restarted server, writes and transactions
 * whose connection fails.
 */
@Tag("slow")
class ZooKeeperFaultTest {
  private static ZooKeeperServer server;

  @BeforeAll
  static void start() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The fault the conformance kit calls "kill session": the server expires the store's session. */
  static void killSession(ZooKeeperStore store) throws Exception {
    KillSession.kill(store.currentZooKeeper());
  }

  @Test
  void aWriteWhoseAnswerNeverComesIsAnUnknownOutcomeAndWasAppliedOnce() throws Exception {
    String chroot = ZkTesting.freshChroot("unknown");
    io.libkv.testkit.servers.TcpProxy proxy = io.libkv.testkit.servers.TcpProxy.to(server.port());
    try (ZooKeeperStore other =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore faulted =
            ZkTesting.open(
                proxy.address(), chroot, "sessionTimeout=6s&connectTimeout=5s&timeout=2s")) {
      faulted.put("warm", "x".getBytes(UTF_8));
      // the create reaches the server and is applied; its answer is held back
      proxy.holdReplies(true);
      long start = System.nanoTime();
      org.assertj.core.api.Assertions.assertThatExceptionOfType(
              io.libkv.UnknownOutcomeException.class)
          .isThrownBy(() -> faulted.atomicCreate("k", "v".getBytes(UTF_8), WriteOptions.DEFAULT))
          .withMessageContaining("k");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2 + 3));
      assertThat(other.get("k").valueAsString())
          .as("the unanswered create was applied")
          .isEqualTo("v");
      proxy.holdReplies(false);
      // the same store works again once answers flow, and sees the write it could not confirm
      await()
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(() -> faulted.get("k").valueAsString().equals("v"));
      assertThatThrownBy(() -> faulted.atomicCreate("k", "w".getBytes(UTF_8), WriteOptions.DEFAULT))
          .isInstanceOf(io.libkv.KeyExistsException.class);
    } finally {
      proxy.close();
    }
  }

  @Test
  void anExpiredHoldersLockPassesOnAfterItsLostFiredWithAGreaterToken() throws Exception {
    String chroot = ZkTesting.freshChroot("expire");
    try (ZooKeeperStore holder =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore waiter =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY)) {
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      holder.onConnectionStateChange(states::add, Runnable::run);
      LockOptions opts = LockOptions.builder().ttl(Duration.ofSeconds(1)).build();
      LockLease held =
          holder
              .newLock(
                  "job", LockOptions.builder().value("holder").ttl(Duration.ofSeconds(1)).build())
              .lock();
      holder.put("eph", "x".getBytes(UTF_8), WriteOptions.ephemeral(Duration.ofSeconds(1)));
      AtomicLong lostAt = new AtomicLong();
      held.lost().thenRun(() -> lostAt.set(System.nanoTime()));
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<LockLease> next = pool.submit(() -> waiter.newLock("job", opts).lock());
        Thread.sleep(200);
        assertThat(next).isNotDone();
        killSession(holder);
        LockLease taken = next.get(15, TimeUnit.SECONDS);
        long takenAt = System.nanoTime();
        assertThat(held.lost()).isDone();
        assertThat(lostAt.get()).isPositive().isLessThan(takenAt);
        assertThat(taken.fencingToken()).isGreaterThan(held.fencingToken());
        assertThat(waiter.get("job").valueAsString()).isNotEqualTo("holder");
        held.close(); // after a loss: harmless, frees nothing of the new holder's
        assertThat(taken.isHeld()).isTrue();
        assertThat(waiter.exists("job")).isTrue();
        taken.close();
      } finally {
        pool.shutdownNow();
      }
      // the holder goes on with a new session; its ephemeral key went with the old one
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> states.contains(ConnectionState.RECONNECTED));
      assertThat(states).contains(ConnectionState.LOST);
      assertThat(holder.exists("eph")).isFalse();
      holder.put("after", "ok".getBytes(UTF_8));
      assertThat(waiter.get("after").valueAsString()).isEqualTo("ok");
    }
  }

  @Test
  void watchesComeBackWithTheCurrentStateAfterANewSession() throws Exception {
    String chroot = ZkTesting.freshChroot("resync");
    try (ZooKeeperStore s =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore other =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        Watch<KeyEvent> w = s.watch("k")) {
      assertThat(w.poll(Duration.ofSeconds(5)).orElseThrow().type()).isEqualTo(EventType.ABSENT);
      killSession(s);
      other.put("k", "while expired".getBytes(UTF_8));
      KeyEvent e = poll(w);
      // either seen live or on the resync; after the resync, live again
      while (e.type() != EventType.RESYNC) {
        e = poll(w);
      }
      assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("while expired");
      other.put("k", "after".getBytes(UTF_8));
      e = poll(w);
      assertThat(e.type()).isEqualTo(EventType.PUT);
      assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("after");
    }
  }

  @Test
  void aServerRestartDuringAWatchResyncsAndWritesFailClearlyMeanwhile() throws Exception {
    String chroot = ZkTesting.freshChroot("restart");
    String q = "sessionTimeout=10s&connectTimeout=2s&timeout=2s";
    try (ZooKeeperStore s = ZkTesting.open(server.connectString(), chroot, q)) {
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      s.onConnectionStateChange(states::add, Runnable::run);
      s.put("k", "1".getBytes(UTF_8));
      LockLease lease =
          s.newLock("lk", LockOptions.builder().ttl(Duration.ofSeconds(10)).build()).lock();
      try (Watch<KeyEvent> w = s.watch("k")) {
        assertThat(poll(w).type()).isEqualTo(EventType.CURRENT);
        server.stop();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> states.contains(ConnectionState.SUSPENDED));
        // a lock is lost on SUSPENDED: another holder may be granted it before we learn more
        assertThat(lease.lost()).isDone();
        assertThatThrownBy(() -> s.put("k", "x".getBytes(UTF_8)))
            .isInstanceOf(StoreUnavailableException.class)
            .hasMessageContaining(server.connectString());
        server.restart();
        KeyEvent e = poll(w);
        assertThat(e.type()).isEqualTo(EventType.RESYNC);
        assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("1");
        s.put("k", "2".getBytes(UTF_8));
        e = poll(w);
        assertThat(e.type()).isEqualTo(EventType.PUT);
        assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("2");
      }
      assertThat(states).contains(ConnectionState.RECONNECTED);
      // the lost lock was freed once reconnected, so it can be taken again
      try (LockLease again =
          s.newLock("lk", LockOptions.builder().ttl(Duration.ofSeconds(10)).build())
              .tryLock(Duration.ofSeconds(10))
              .orElseThrow()) {
        assertThat(again.fencingToken()).isGreaterThan(lease.fencingToken());
      }
      lease.close();
    }
  }

  @Test
  void aTreeWatchAcrossAServerRestartNeverGoesBackNorDoesItsResync() throws Exception {
    String chroot = ZkTesting.freshChroot("restart-index");
    String q = "sessionTimeout=10s&connectTimeout=2s&timeout=2s";
    try (ZooKeeperStore s = ZkTesting.open(server.connectString(), chroot, q);
        ZooKeeperStore writer = ZkTesting.open(server.connectString(), chroot, q)) {
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      s.onConnectionStateChange(states::add, Runnable::run);
      writer.put("d/a", "a0".getBytes(UTF_8));
      writer.put("d/b", "b0".getBytes(UTF_8));
      List<TreeEvent> seen = new ArrayList<>();
      try (Watch<TreeEvent> w = s.watchTree("d")) {
        seen.add(pollTree(w));
        // updates of existing keys: the tree's newest index is above its directory node's own zxids
        writer.put("d/a", "a1".getBytes(UTF_8));
        writer.put("d/b", "b1".getBytes(UTF_8));
        while (!holds(seen.get(seen.size() - 1), "d/b", "b1")) {
          seen.add(pollTree(w));
        }
        server.stop();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> states.contains(ConnectionState.SUSPENDED));
        server.restart();
        do {
          seen.add(pollTree(w));
        } while (seen.get(seen.size() - 1).type() != EventType.RESYNC);
        await()
            .atMost(Duration.ofSeconds(15))
            .ignoreExceptions()
            .untilAsserted(() -> writer.put("d/a", "a2".getBytes(UTF_8)));
        while (!holds(seen.get(seen.size() - 1), "d/a", "a2")) {
          seen.add(pollTree(w));
        }
      }
      assertThat(states).contains(ConnectionState.RECONNECTED).doesNotContain(ConnectionState.LOST);
      List<String> sequence = new ArrayList<>();
      seen.forEach(e -> sequence.add(e.type() + "@" + e.index()));
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i).index())
            .as("index of event %d of %s", i, sequence)
            .isGreaterThanOrEqualTo(seen.get(i - 1).index());
      }
    }
  }

  private static boolean holds(TreeEvent e, String key, String value) {
    return e.pairs().stream().anyMatch(p -> p.key().equals(key) && p.valueAsString().equals(value));
  }

  private static TreeEvent pollTree(Watch<TreeEvent> w) throws InterruptedException {
    Optional<TreeEvent> e = w.poll(Duration.ofSeconds(15));
    assertThat(e).as("an event within 15 s").isPresent();
    return e.get();
  }

  private static KeyEvent poll(Watch<KeyEvent> w) throws InterruptedException {
    Optional<KeyEvent> e = w.poll(Duration.ofSeconds(15));
    assertThat(e).as("an event within 15 s").isPresent();
    return e.get();
  }

  private static final String TXN_FAULTED = "sessionTimeout=6s&connectTimeout=5s&timeout=2s";

  @Test
  void aCommitWhoseAnswerNeverComesIsAnUnknownOutcomeAndWasAppliedOnce() throws Exception {
    String chroot = ZkTesting.freshChroot("txn-unknown");
    try (TcpProxy proxy = TcpProxy.to(server.port());
        ZooKeeperStore other =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore faulted = ZkTesting.open(proxy.address(), chroot, TXN_FAULTED)) {
      faulted.put("a", "0".getBytes(UTF_8));
      // the read is answered; the multi-op reaches the server, is applied, its answer held back
      faulted.transactions().beforeMulti = () -> proxy.holdReplies(true);
      long start = System.nanoTime();
      assertThatExceptionOfType(UnknownOutcomeException.class)
          .isThrownBy(
              () ->
                  faulted.commit(
                      Transaction.builder()
                          .ifAbsent("k")
                          .put("k", "v".getBytes(UTF_8))
                          .put("a", "1".getBytes(UTF_8))
                          .build()));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2 + 3));
      faulted.transactions().beforeMulti = null;
      assertThat(other.get("k").valueAsString())
          .as("the unanswered multi-op applied")
          .isEqualTo("v");
      assertThat(other.get("a").valueAsString()).isEqualTo("1");
      proxy.holdReplies(false);
      // the store works again once answers flow: a retry by the caller sees the first one applied
      await()
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(
              () ->
                  !faulted
                      .commit(
                          Transaction.builder().ifAbsent("k").put("k", "w".getBytes(UTF_8)).build())
                      .committed());
      assertThat(other.get("k").valueAsString()).isEqualTo("v");
    }
  }

  @Test
  void aCommitThatCannotReachTheServerIsUnavailableAndAppliesNothing() throws Exception {
    String chroot = ZkTesting.freshChroot("txn-unavailable");
    try (TcpProxy proxy = TcpProxy.to(server.port());
        ZooKeeperStore other =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore faulted = ZkTesting.open(proxy.address(), chroot, TXN_FAULTED)) {
      faulted.put("warm", "x".getBytes(UTF_8));
      proxy.cut();
      assertThatExceptionOfType(StoreUnavailableException.class)
          .isThrownBy(
              () ->
                  faulted.commit(
                      Transaction.builder().ifAbsent("k").put("k", "v".getBytes(UTF_8)).build()))
          .isNotInstanceOf(UnknownOutcomeException.class);
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> other.get("k"));
      proxy.restore();
    }
  }
}
