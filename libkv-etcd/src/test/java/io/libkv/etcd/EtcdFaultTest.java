package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Faults of a real etcd process: killed and restarted under a watch, compacted past a watcher,
 * paused (SIGSTOP) longer than a lock's TTL. One server for the class, restarted or resumed by each
 * test that stops it; a key prefix per test.
 */
@Tag("slow")
class EtcdFaultTest {
  private static EtcdServer server;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Store open(String prefix, String endpoint) {
    return LibKV.open("etcd://" + endpoint + "/" + prefix + "?timeout=3s&connectTimeout=5s");
  }

  @Test
  void aWriteOrAcquireWhoseAnswerNeverComesIsAnUnknownOutcomeAndLeavesNothingStuck(TestInfo info)
      throws Exception {
    String prefix = prefix(info);
    TcpProxy proxy = TcpProxy.to(server.clientPort());
    try (Store other = open(prefix, server.endpoint())) {
      Store faulted = open(prefix, proxy.address());
      faulted.put("warm", "x".getBytes(UTF_8));
      // the request reaches etcd and is applied; its answer is held back
      proxy.holdReplies(true);
      long start = System.nanoTime();
      org.assertj.core.api.Assertions.assertThatExceptionOfType(
              io.libkv.UnknownOutcomeException.class)
          .isThrownBy(
              () -> faulted.atomicCreate("k", "v".getBytes(UTF_8), io.libkv.WriteOptions.DEFAULT))
          .withMessageContaining("k");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3 + 3));
      KVPair written = other.get("k");
      assertThat(written.valueAsString()).as("the unanswered write was applied").isEqualTo("v");
      // an acquisition whose answer never comes: unknown too, and the lock is not stuck for others
      LockOptions opts = LockOptions.builder().value("faulted").ttl(Duration.ofSeconds(2)).build();
      // (unavailable if it stops at the lease grant, unknown if at the queue transaction)
      org.assertj.core.api.Assertions.assertThatExceptionOfType(
              io.libkv.StoreUnavailableException.class)
          .isThrownBy(() -> faulted.newLock("job", opts).tryLock(Duration.ofSeconds(5)));
      proxy.holdReplies(false);
      Thread.sleep(1000);
      assertThat(other.get("k").lastIndex())
          .as("nothing repeated the write once answers flowed")
          .isEqualTo(written.lastIndex());
      faulted.close();
      try (LockLease l =
          other
              .newLock(
                  "job", LockOptions.builder().value("other").ttl(Duration.ofSeconds(2)).build())
              .tryLock(Duration.ofSeconds(2 + 5))
              .orElseThrow()) {
        assertThat(other.get("job").valueAsString()).isEqualTo("other");
        assertThat(l.isHeld()).isTrue();
      }
    } finally {
      proxy.close();
    }
  }

  private static String prefix(TestInfo info) {
    return "f-" + info.getTestMethod().orElseThrow().getName();
  }

  /**
   * Puts until etcd acknowledges (a plain put is idempotent, so repeating an unknown outcome is
   * fine here).
   */
  private static long putAcknowledged(Store s, String key, String value) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        s.put(key, value.getBytes(UTF_8));
        return s.get(key).lastIndex();
      } catch (KVException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        sleep(100);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void killAndRestartDuringAWatchLosesNoFinalStateAndIndexesNeverGoBack(TestInfo info)
      throws Exception {
    String p = prefix(info);
    try (Store watcher = open(p, server.endpoint());
        Store writer = open(p, server.endpoint())) {
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      watcher.onConnectionStateChange(states::add, Runnable::run);
      try (Watch<TreeEvent> w = watcher.watchTree("d")) {
        assertThat(w.poll(Duration.ofSeconds(5)).orElseThrow().type()).isEqualTo(EventType.ABSENT);
        for (int i = 0; i < 20; i++) {
          putAcknowledged(writer, "d/k" + i, "v" + i);
        }
        server.kill();
        sleep(1500);
        server.restart();
        for (int i = 20; i < 40; i++) {
          putAcknowledged(writer, "d/k" + i, "v" + i);
        }
        long lastIndex = 0;
        TreeEvent last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (last == null || last.pairs().size() < 40) {
          TreeEvent e =
              w.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                  .orElseThrow(() -> new AssertionError("no final state within 30 s"));
          assertThat(e.index()).as("index of %s", e).isGreaterThanOrEqualTo(lastIndex);
          lastIndex = e.index();
          last = e;
        }
        List<KVPair> now = writer.list("d");
        assertThat(last.pairs()).isEqualTo(now);
        assertThat(w.isOpen()).isTrue();
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> states.contains(ConnectionState.RECONNECTED));
      assertThat(states).contains(ConnectionState.SUSPENDED);
    }
  }

  @Test
  void anotherClusterBehindTheSameEndpointIsAReset(TestInfo info) throws Exception {
    String p = prefix(info);
    try (EtcdServer own = EtcdServer.start();
        Store watcher = open(p, own.endpoint())) {
      try (Store writer = open(p, own.endpoint())) {
        for (int i = 0; i < 30; i++) {
          putAcknowledged(writer, "d/k" + i, "v" + i);
        }
      }
      try (Watch<TreeEvent> tree = watcher.watchTree("d");
          Watch<KeyEvent> key = watcher.watch("d/k0")) {
        assertThat(tree.poll(Duration.ofSeconds(5)).orElseThrow().pairs()).hasSize(30);
        assertThat(key.poll(Duration.ofSeconds(5)).orElseThrow().type())
            .isEqualTo(EventType.CURRENT);
        own.replaceWithNewCluster(); // empty, its revisions far below the watch's
        try (Store writer = open(p, own.endpoint())) {
          putAcknowledged(writer, "d/new", "x");
          TreeEvent reset = null;
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (reset == null || !reset.pairs().equals(writer.list("d"))) {
            TreeEvent e =
                tree.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                    .orElseThrow(
                        () ->
                            new AssertionError("no RESET to the new cluster's state within 30 s"));
            if (e.type() == EventType.RESET || reset != null) {
              reset = e;
            }
          }
          assertThat(reset.pairs()).extracting(KVPair::key).containsExactly("d/new");
          KeyEvent k = key.poll(Duration.ofSeconds(30)).orElseThrow();
          assertThat(k.type()).isEqualTo(EventType.RESET);
          assertThat(k.pair()).isEmpty(); // d/k0 does not exist in the new cluster
          // and the watch goes on in the new cluster's revisions
          writer.put("d/k0", "again".getBytes(java.nio.charset.StandardCharsets.UTF_8));
          KeyEvent after = key.poll(Duration.ofSeconds(10)).orElseThrow();
          assertThat(after.type()).isEqualTo(EventType.PUT);
          assertThat(after.index()).isEqualTo(writer.get("d/k0").lastIndex());
        }
      }
    }
  }

  @Test
  void aWatcherCompactedPastResynchronises(TestInfo info) throws Exception {
    String p = prefix(info);
    try (TcpProxy proxy = TcpProxy.to(server.clientPort());
        Store watcher = open(p, proxy.address());
        Store writer = open(p, server.endpoint());
        Client admin = Client.builder().endpoints("http://" + server.endpoint()).build()) {
      writer.put("k", "v0".getBytes(UTF_8));
      long first;
      try (Watch<KeyEvent> w = watcher.watch("k")) {
        first = w.poll(Duration.ofSeconds(5)).orElseThrow().index();
        proxy.cut();
        for (int i = 1; i <= 5; i++) {
          writer.put("k", ("v" + i).getBytes(UTF_8));
        }
        long rev = writer.get("k").lastIndex();
        admin.getKVClient().compact(rev).get(5, TimeUnit.SECONDS);
        proxy.restore();
        KeyEvent e;
        do {
          e =
              w.poll(Duration.ofSeconds(15))
                  .orElseThrow(() -> new AssertionError("no RESYNC after compaction"));
        } while (e.type() != EventType.RESYNC);
        assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("v5");
        assertThat(e.index()).isGreaterThan(first);
      }
      // a watch resumed from a compacted index re-reads too
      try (Watch<KeyEvent> w = writer.watch("k", WatchOptions.fromIndex(first))) {
        KeyEvent e = w.poll(Duration.ofSeconds(5)).orElseThrow();
        assertThat(e.type()).isEqualTo(EventType.RESYNC);
        assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("v5");
      }
    }
  }

  @Test
  void aPauseLongerThanTheLockTtlLosesTheLockAndAnotherTakesItWithAHigherToken(TestInfo info)
      throws Exception {
    String p = prefix(info);
    Duration ttl = Duration.ofSeconds(3);
    try (Store holder = open(p, server.endpoint());
        Store other = open(p, server.endpoint())) {
      LockLease lease =
          holder.newLock("lock", LockOptions.builder().ttl(ttl).value("holder").build()).lock();
      server.pause();
      try {
        // the holder cannot renew: it declares the lock lost at two thirds of the TTL, before etcd
        // expires it
        assertThat(lease.lost()).succeedsWithin(ttl.plusSeconds(2));
        assertThat(lease.isHeld()).isFalse();
        sleep(ttl.toMillis());
      } finally {
        server.resume();
      }
      Optional<LockLease> taken =
          other
              .newLock("lock", LockOptions.builder().ttl(ttl).value("other").build())
              .tryLock(Duration.ofSeconds(15));
      assertThat(taken).isPresent();
      assertThat(taken.get().fencingToken()).isGreaterThan(lease.fencingToken());
      assertThat(other.get("lock").valueAsString()).isEqualTo("other");
      lease.close();
      assertThat(other.get("lock").valueAsString()).isEqualTo("other");
      taken.get().close();
      // the holder's store goes on with a new lease
      try (LockLease again =
          holder
              .newLock("lock", LockOptions.builder().ttl(ttl).build())
              .tryLock(Duration.ofSeconds(10))
              .orElseThrow()) {
        assertThat(again.fencingToken()).isGreaterThan(taken.get().fencingToken());
      }
    }
  }
}
