package io.libkv.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.Watch;
import io.libkv.consul.ConsulOptions;
import io.libkv.spi.StoreLocation;
import io.libkv.testkit.servers.ConsulEmulator;
import io.libkv.testkit.servers.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a Consul store does when the agent restarts, a session expires, or an endpoint hangs. */
@Tag("slow")
class ConsulFaultTest {
  private ConsulEmulator consul;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() {
    consul = ConsulEmulator.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    consul.close();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(0, c);
    return c;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private ConsulStore open(List<String> endpoints, String timeout, Duration watchWait) {
    StoreConfig config =
        StoreConfig.builder().operationTimeout(io.libkv.Durations.parse(timeout)).build();
    return closeLater(
        ConsulStore.open(
            StoreLocation.of("consul", endpoints, ""),
            config,
            ConsulOptions.builder()
                .endpoints(endpoints.toArray(new String[0]))
                .sessionTtlMin(Duration.ofSeconds(1))
                .config(config)
                .build(),
            watchWait));
  }

  @Test
  void anAgentRestartedDuringAWatchIsAResetWithTheLatestState() throws Exception {
    // the restarted agent holds the re-sent blocking query until its wait ends: keep it short
    Store s = open(List.of(consul.address()), "2s", Duration.ofSeconds(2));
    for (int i = 0; i < 10; i++) {
      s.put("w/k" + i, utf8("old" + i)); // the index climbs well above where a fresh agent starts
    }
    Watch<KeyEvent> key = closeLater(s.watch("w/k9"));
    Watch<TreeEvent> tree = closeLater(s.watchTree("w"));
    KeyEvent first = key.take();
    assertThat(first.type()).isEqualTo(EventType.CURRENT);
    assertThat(tree.take().pairs()).hasSize(10);
    consul.restart();
    KeyEvent reset = key.poll(Duration.ofSeconds(10)).orElseThrow();
    assertThat(reset.type()).isEqualTo(EventType.RESET);
    assertThat(reset.exists()).isFalse();
    assertThat(reset.index()).isLessThan(first.index());
    TreeEvent treeReset = tree.poll(Duration.ofSeconds(10)).orElseThrow();
    assertThat(treeReset.type()).isEqualTo(EventType.RESET);
    assertThat(treeReset.pairs()).isEmpty();
    // the watch goes on in the new history
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () -> {
              s.put("w/k9", utf8("new"));
              return true;
            });
    KeyEvent put = key.poll(Duration.ofSeconds(10)).orElseThrow();
    assertThat(put.type()).isEqualTo(EventType.PUT);
    assertThat(put.pair().orElseThrow().valueAsString()).isEqualTo("new");
    assertThat(put.index()).isLessThan(first.index());
  }

  @Test
  void stateWrittenWhileTheAgentRestartedIsDeliveredWithTheReset() throws Exception {
    // another client writes: the watcher learns of the restart when its blocking query's wait ends
    Store watcher = open(List.of(consul.address()), "2s", Duration.ofSeconds(2));
    Store writer = closeLater(LibKV.open(consul.uri()));
    watcher.put("k", utf8("before"));
    Watch<KeyEvent> w = closeLater(watcher.watch("k"));
    assertThat(w.take().type()).isEqualTo(EventType.CURRENT);
    consul.stop();
    consul.restart();
    writer.put("k", utf8("after"));
    List<KeyEvent> events = new ArrayList<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              w.poll(Duration.ofMillis(100)).ifPresent(events::add);
              return !events.isEmpty()
                  && events
                      .get(events.size() - 1)
                      .pair()
                      .map(p -> p.valueAsString().equals("after"))
                      .orElse(false);
            });
    assertThat(events.get(0).type()).isEqualTo(EventType.RESET);
  }

  @Test
  void aSessionExpiringUnderAHeldLockLosesItAndAnotherClientTakesIt() throws Exception {
    ConsulStore holder = open(List.of(consul.address()), "2s", Duration.ofSeconds(30));
    Store other = open(List.of(consul.address()), "2s", Duration.ofSeconds(30));
    LockOptions opts = LockOptions.builder().ttl(Duration.ofSeconds(2)).value("holder").build();
    LockLease lease = holder.newLock("lock", opts).lock();
    assertThat(holder.get("lock").valueAsString()).isEqualTo("holder");
    List<String> sessions = holder.sessionIds();
    assertThat(sessions).hasSize(1);
    assertThat(consul.expireSession(sessions.get(0))).isTrue(); // as if its TTL had run out
    assertThat(lease.lost()).succeedsWithin(Duration.ofSeconds(3));
    assertThat(lease.isHeld()).isFalse();
    Lock contender =
        other.newLock(
            "lock", LockOptions.builder().ttl(Duration.ofSeconds(2)).value("other").build());
    Optional<LockLease> taken = contender.tryLock(Duration.ofSeconds(5));
    assertThat(taken).isPresent();
    assertThat(taken.get().fencingToken()).isGreaterThan(lease.fencingToken());
    lease.close(); // a late unlock of the lost lock leaves the new holder alone
    assertThat(other.get("lock").valueAsString()).isEqualTo("other");
    taken.get().close();
    try (LockLease again = holder.newLock("lock", opts).lock()) {
      assertThat(again.fencingToken()).isGreaterThan(taken.get().fencingToken());
    }
  }

  @Test
  void aHolderWhoseRenewalsComeTooLateIsToldItLostTheLockBeforeAnotherClientGetsIt()
      throws Exception {
    ConsulStore holder = open(List.of(consul.address()), "5s", Duration.ofSeconds(30));
    Store other = open(List.of(consul.address()), "5s", Duration.ofSeconds(30));
    LockLease lease =
        holder
            .newLock(
                "slow", LockOptions.builder().ttl(Duration.ofSeconds(2)).value("holder").build())
            .lock();
    AtomicLong lostAt = new AtomicLong();
    lease.lost().thenRun(() -> lostAt.set(System.nanoTime()));
    // a renewal round trip now outlasts its window (a third of the 1 s session TTL), as on a loaded
    // machine
    consul.delay(Duration.ofMillis(450));
    Optional<LockLease> taken =
        other
            .newLock(
                "slow", LockOptions.builder().ttl(Duration.ofSeconds(2)).value("other").build())
            .tryLock(Duration.ofSeconds(10));
    long grantedAt = System.nanoTime();
    assertThat(taken).isPresent();
    assertThat(lostAt.get())
        .as("when the holder's lost() completed")
        .isNotZero()
        .isLessThan(grantedAt);
    assertThatExceptionOfType(LockLostException.class).isThrownBy(lease::checkHeld);
    assertThat(taken.get().fencingToken()).isGreaterThan(lease.fencingToken());
    consul.delay(Duration.ZERO);
    lease.close(); // a late unlock of the lost lock leaves the new holder alone
    assertThat(other.get("slow").valueAsString()).isEqualTo("other");
    taken.get().close();
  }

  @Test
  void lockDelayHoldsOffTheNextHolderAfterTheHolderDies() throws Exception {
    ConsulStore holder = open(List.of(consul.address()), "2s", Duration.ofSeconds(30));
    Store other = open(List.of(consul.address()), "2s", Duration.ofSeconds(30));
    LockLease lease =
        holder
            .newLock(
                "ld",
                LockOptions.builder()
                    .ttl(Duration.ofSeconds(2))
                    .lockDelay(Duration.ofSeconds(1))
                    .build())
            .lock();
    consul.expireSession(holder.sessionIds().get(0));
    long t0 = System.nanoTime();
    try (LockLease taken =
        other
            .newLock("ld", LockOptions.builder().ttl(Duration.ofSeconds(2)).build())
            .tryLock(Duration.ofSeconds(5))
            .orElseThrow()) {
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(800));
      assertThat(taken.fencingToken()).isGreaterThan(lease.fencingToken());
    }
    lease.close();
  }

  @Test
  void aSlowAgentTimesOutReadsAndWritesWithTheRightExceptions() {
    Store s = open(List.of(consul.address()), "1s", Duration.ofSeconds(30));
    s.put("k", utf8("v"));
    consul.delay(Duration.ofSeconds(3));
    long t0 = System.nanoTime();
    assertThatExceptionOfType(StoreUnavailableException.class)
        .isThrownBy(() -> s.get("k"))
        .isNotInstanceOf(UnknownOutcomeException.class)
        .satisfies(e -> assertThat(e.endpoints()).containsExactly(consul.address()));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
    // the write was sent and its answer never came: it may have applied
    assertThatExceptionOfType(UnknownOutcomeException.class)
        .isThrownBy(() -> s.put("k", utf8("w")));
    consul.delay(Duration.ZERO);
  }

  @Test
  void aHungEndpointFailsOverToTheNext() throws Exception {
    TcpProxy first = closeLater(TcpProxy.to(consul.port()));
    TcpProxy second = closeLater(TcpProxy.to(consul.port()));
    ConsulStore s = open(List.of(first.address(), second.address()), "1s", Duration.ofSeconds(2));
    s.put("k", utf8("v1"));
    Watch<KeyEvent> w = closeLater(s.watch("k"));
    assertThat(w.take().type()).isEqualTo(EventType.CURRENT);
    assertThat(s.client().currentEndpoint()).isEqualTo(first.address());
    first.hang(true);
    long t0 = System.nanoTime();
    assertThat(s.get("k").valueAsString())
        .isEqualTo("v1"); // one timeout on the first, then the second
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
    assertThat(s.client().currentEndpoint()).isEqualTo(second.address());
    long t1 = System.nanoTime();
    s.put("k", utf8("v2")); // sticks to the endpoint that answered
    assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofMillis(900));
    // the watch's blocking query times out on the hung endpoint and goes on on the other one
    KeyEvent e = w.poll(Duration.ofSeconds(10)).orElseThrow();
    assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("v2");
    first.hang(false);
  }

  @Test
  void aCommitWhoseAnswerIsLostAfterSendingHasAnUnknownOutcome() throws Exception {
    TcpProxy proxy = closeLater(TcpProxy.to(consul.port()));
    Store s = open(List.of(proxy.address()), "5s", Duration.ofSeconds(30));
    Store direct = open(List.of(consul.address()), "5s", Duration.ofSeconds(30));
    s.put("a", utf8("a1"));
    io.libkv.KVPair a = s.get("a");
    long sent = consul.requestCount("txn");
    proxy.holdReplies(true);
    java.util.concurrent.CompletableFuture<io.libkv.TransactionResult> commit =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                s.commit(
                    io.libkv.Transaction.builder()
                        .ifIndex(a)
                        .put("a", utf8("a2"))
                        .put("b", utf8("b1"))
                        .build()));
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> consul.requestCount("txn") > sent);
    proxy.cut();
    assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
        .isThrownBy(() -> commit.get(10, java.util.concurrent.TimeUnit.SECONDS))
        .havingCause()
        .isInstanceOf(UnknownOutcomeException.class);
    // it did apply: the client could not know
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> direct.exists("b") && direct.get("a").valueAsString().equals("a2"));
    // and was sent once: an unknown outcome is never retried
    assertThat(consul.requestCount("txn")).isEqualTo(sent + 1);
  }
}
