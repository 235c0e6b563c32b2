package io.libkv.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.libkv.Capabilities;
import io.libkv.ConfigurationException;
import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.PermissionDeniedException;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.TreeEvent;
import io.libkv.ValueTooLargeException;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.consul.ConsulOptions;
import io.libkv.spi.StoreLocation;
import io.libkv.testkit.ErrorsDocCoverage;
import io.libkv.testkit.ErrorsDocCoverage.Case;
import io.libkv.testkit.servers.ConsulEmulator;
import io.libkv.testkit.servers.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to Consul: URIs and parameters, limits, prefixes, ACLs, the watch's cost. */
class ConsulStoreTest {
  private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

  private ConsulEmulator consul;
  private final List<Store> stores = new ArrayList<>();

  @BeforeEach
  void start() {
    consul = ConsulEmulator.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
  }

  @AfterEach
  void stop() {
    stores.forEach(Store::close);
    consul.close();
  }

  private Store open(String pathAndQuery) {
    String q =
        pathAndQuery.contains("sessionTtlMin")
            ? pathAndQuery
            : pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "sessionTtlMin=1s";
    Store s = LibKV.open(consul.uri() + q);
    stores.add(s);
    return s;
  }

  private ConsulStore openWithWait(ConsulEmulator c, Duration watchWait) {
    ConsulStore s =
        ConsulStore.open(
            StoreLocation.of("consul", List.of(c.address()), ""),
            StoreConfig.DEFAULT,
            ConsulOptions.builder()
                .endpoints(c.address())
                .sessionTtlMin(Duration.ofSeconds(1))
                .build(),
            watchWait);
    stores.add(s);
    return s;
  }

  @Test
  void capabilitiesFollowTheAgentsSessionTtlMin() {
    Capabilities caps = open("?sessionTtlMin=2s").capabilities();
    assertThat(caps.backend()).isEqualTo("consul");
    assertThat(caps.minEphemeralTtl())
        .isEqualTo(Duration.ofSeconds(4)); // Consul may take twice the TTL
    assertThat(caps.minExpiringTtl()).isEqualTo(Duration.ofSeconds(2));
    assertThat(caps.maxValueBytes()).isEqualTo(512 * 1024);
    assertThat(caps.crossProcessWatch()).isTrue();
    assertThat(caps.everyRevisionWatch()).isFalse();
    assertThat(open("?maxValueBytes=1000").capabilities().maxValueBytes()).isEqualTo(1000);
    assertThatExceptionOfType(ConfigurationException.class)
        .isThrownBy(() -> open("?bucket=x"))
        .withMessageContaining("bucket");
  }

  @Test
  void theDefaultSessionTtlMinIsTenSecondsAndAnAgentFloorAboveTheConfiguredOneIsNamed() {
    try (ConsulEmulator strict = ConsulEmulator.start();
        Store s = LibKV.open(strict.uri());
        Store wrong = LibKV.open(strict.uri() + "?sessionTtlMin=1s")) {
      assertThat(s.capabilities().minEphemeralTtl()).isEqualTo(Duration.ofSeconds(20));
      s.put("e", V, WriteOptions.ephemeral(Duration.ofSeconds(20)));
      assertThat(strict.sessions()).hasSize(1);
      assertThatExceptionOfType(ConfigurationException.class)
          .isThrownBy(() -> wrong.put("f", V, WriteOptions.ephemeral(Duration.ofSeconds(2))))
          .withMessageContaining("session_ttl_min is 10s")
          .withMessageContaining("sessionTtlMin");
    }
  }

  @Test
  void keepAliveListenersHearTheSessionRenewalsOfEphemeralKeysAndLocks() throws Exception {
    Store s = open("?sessionTtlMin=2s");
    java.util.concurrent.BlockingQueue<io.libkv.KeepAliveEvent> heard =
        new java.util.concurrent.LinkedBlockingQueue<>();
    s.onKeepAlive(heard::add, Runnable::run);
    s.put("e", V, WriteOptions.ephemeral(Duration.ofSeconds(4)));
    // renewed every third of the TTL
    io.libkv.KeepAliveEvent first = heard.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.outcome()).isEqualTo(io.libkv.KeepAliveEvent.Outcome.RENEWED);
    assertThat(first.lease()).contains("Consul session");
    try (io.libkv.LockLease lease =
        s.newLock("l", io.libkv.LockOptions.builder().ttl(Duration.ofSeconds(4)).build()).lock()) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      io.libkv.KeepAliveEvent ofLock = null;
      while (ofLock == null && System.nanoTime() < deadline) {
        io.libkv.KeepAliveEvent e = heard.poll(1, java.util.concurrent.TimeUnit.SECONDS);
        if (e != null && e.lease().contains("of lock l")) {
          ofLock = e;
        }
      }
      assertThat(ofLock).as("a renewal of the lock's session").isNotNull();
      assertThat(ofLock.outcome()).isEqualTo(io.libkv.KeepAliveEvent.Outcome.RENEWED);
      assertThat(lease.isHeld()).isTrue();
    }
  }

  @Test
  void valuesOverTheLimitAreRejectedBeforeAnythingIsSent() {
    Store s = open("");
    long before = consul.requestCount();
    ValueTooLargeException e =
        catchThrowableOfType(
            ValueTooLargeException.class, () -> s.put("big", new byte[512 * 1024 + 1]));
    assertThat(e.limit()).isEqualTo(512 * 1024);
    assertThat(consul.requestCount()).isEqualTo(before);
    // a value at the limit does not fit a transaction body (base64): it goes through /v1/kv
    byte[] max = new byte[512 * 1024];
    Arrays.fill(max, (byte) 7);
    s.put("big", max);
    assertThat(s.get("big").value()).isEqualTo(max);
    s.put("big", max, WriteOptions.ephemeral(Duration.ofSeconds(2)));
    KVPair p = s.get("big");
    KVPair q = s.atomicPut("big", max, p, WriteOptions.DEFAULT);
    assertThat(q.lastIndex()).isGreaterThan(p.lastIndex());
  }

  @Test
  void everyWriteMovesTheIndexEvenWithTheSameValue() {
    Store s = open("");
    s.put("k", V);
    long first = s.get("k").lastIndex();
    s.put(
        "k",
        V); // Consul skips a write that changes nothing: the Flags nonce makes each one a change
    assertThat(s.get("k").lastIndex()).isGreaterThan(first);
  }

  @Test
  void thePrefixIsASegmentOfConsulsKeySpace() {
    Store app = open("/app");
    Store apple = open("/apple");
    Store root = open("");
    app.put("x", V);
    apple.put("y", V);
    assertThat(root.exists("app/x")).isTrue();
    assertThat(app.list("")).extracting(KVPair::key).containsExactly("x");
    assertThat(apple.list("")).extracting(KVPair::key).containsExactly("y");
    assertThat(app.description()).isEqualTo(consul.uri() + "/app");
  }

  @Test
  void deleteTreeIsOneTransactionOnSegmentBoundaries() {
    Store s = open("");
    s.putAll(java.util.Map.of("d", V, "d/a", V, "d/b/c", V, "dx", V));
    long txns = consul.requestCount("txn");
    s.deleteTree("d");
    assertThat(consul.requestCount("txn")).isEqualTo(txns + 1);
    assertThat(s.exists("d")).isFalse();
    assertThat(s.exists("d/b/c")).isFalse();
    assertThat(s.exists("dx")).isTrue();
  }

  @Test
  void aPlainPutReleasesAKeyFromAnotherStoresSession() {
    Store owner = open("");
    Store other = open("");
    owner.put("k", V, WriteOptions.ephemeral(Duration.ofSeconds(2)));
    other.put("k", "plain".getBytes(StandardCharsets.UTF_8));
    owner.close();
    assertThat(other.get("k").valueAsString()).isEqualTo("plain");
  }

  @Test
  void theAclTokenIsSentAndNeverShown(@TempDir Path dir) throws Exception {
    try (ConsulEmulator secured = ConsulEmulator.builder().aclToken("t0ken-s3cret").start()) {
      Path file = dir.resolve("token");
      Files.writeString(file, "t0ken-s3cret\n");
      try (Store good = LibKV.open(secured.uri() + "?tokenFile=" + file)) {
        good.put("k", V);
        assertThat(good.get("k").value()).isEqualTo(V);
        assertThat(good.toString() + good.description()).doesNotContain("t0ken");
      }
      try (Store anonymous = LibKV.open(secured.uri())) {
        KVException e = catchThrowableOfType(KVException.class, () -> anonymous.get("k"));
        assertThat(e).hasMessageContaining("Permission denied").hasMessageContaining("\"k\"");
      }
      try (Store wrong =
          LibKV.open(secured.uri(), StoreConfig.builder().token(Secret.of("guess")).build())) {
        KVException e = catchThrowableOfType(KVException.class, () -> wrong.put("k", V));
        assertThat(e).hasMessageContaining("ACL not found").hasMessageNotContaining("guess");
      }
    }
  }

  @Test
  void aTokenWithoutRightsIsPermissionDeniedNamingKeyAndStore() {
    try (ConsulEmulator secured =
            ConsulEmulator.builder().aclToken("t0ken-s3cret").noRightsToken("n0ne-s3cret").start();
        Store none =
            LibKV.open(
                secured.uri(), StoreConfig.builder().token(Secret.of("n0ne-s3cret")).build());
        Store anonymous = LibKV.open(secured.uri())) {
      for (Store s : List.of(none, anonymous)) {
        PermissionDeniedException e =
            catchThrowableOfType(PermissionDeniedException.class, () -> s.put("k", V));
        assertThat(e).as("permission denied").isNotNull().hasMessageNotContaining("s3cret");
        assertThat(e.key()).contains("k");
        assertThat(e.store()).contains(s.description());
      }
    }
  }

  @Test
  void everyDocumentedConditionIsRaisedAsDocumentedOrCannotArise() {
    try (ConsulEmulator secured =
            ConsulEmulator.builder().aclToken("t0ken-s3cret").noRightsToken("n0ne-s3cret").start();
        Store s =
            LibKV.open(
                secured.uri(), StoreConfig.builder().token(Secret.of("t0ken-s3cret")).build());
        Store none =
            LibKV.open(
                secured.uri(), StoreConfig.builder().token(Secret.of("n0ne-s3cret")).build())) {
      Map<String, Case> cases = ErrorsDocCoverage.common(s, secured.uri());
      cases.put(
          "kv-exception",
          Case.notProvokedHere(
              "consul: raised for an answer without a specific type (a "
                  + "lock-delay refusal, a rolled-back transaction, contention past its bound); not provoked here"));
      cases.put(
          "call-not-supported",
          Case.notProvokedHere(
              "consul: raised for a compare-and-set with a TTL of a "
                  + "value too large for one transaction; not provoked here"));
      cases.put(
          "cannot-lock",
          Case.cannotArise(
              "consul: a lock waits or is lost with its session; nothing else " + "stops one"));
      int port = FreePorts.next();
      cases.put(
          "store-unavailable",
          Case.provoked(
              StoreUnavailableException.class,
              null,
              "consul://127.0.0.1:" + port,
              () -> LibKV.open("consul://127.0.0.1:" + port + "?timeout=1s").close()));
      ErrorsDocCoverage.serverBackend(cases, "consul", "ConsulFaultTest");
      cases.put("listing-changed", Case.cannotArise("consul: a list is one recursive read"));
      cases.put(
          "lock-lost",
          ErrorsDocCoverage.lockLost(
              () ->
                  LibKV.open(
                      secured.uri(),
                      StoreConfig.builder().token(Secret.of("t0ken-s3cret")).build()),
              "errors-doc-lock"));
      cases.put(
          "permission-denied",
          Case.provoked(
              PermissionDeniedException.class,
              "denied",
              none.description(),
              () -> none.put("denied", V)));
      ErrorsDocCoverage.check(cases);
    }
  }

  @Test
  void anUnreachableAgentFailsAtOpenNamingTheEndpoints() {
    int port = FreePorts.next();
    StoreUnavailableException e =
        catchThrowableOfType(
            StoreUnavailableException.class,
            () -> LibKV.open("consul://127.0.0.1:" + port + "?timeout=1s"));
    assertThat(e.endpoints()).containsExactly("127.0.0.1:" + port);
    assertThat(e).hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void theDatacenterGoesWithEveryRequest() {
    open("?datacenter=dc1").put("k", V);
    assertThatThrownBy(() -> open("?datacenter=dc9"))
        .isInstanceOf(KVException.class)
        .hasMessageContaining("No path to datacenter");
  }

  @Test
  void storesShareOneHttpClientPerConfiguration() {
    open("");
    int clients = HttpClients.count();
    open("/other");
    open("?sessionTtlMin=3s");
    assertThat(HttpClients.count()).isEqualTo(clients);
    open("?connectTimeout=4s");
    assertThat(HttpClients.count()).isEqualTo(clients + 1);
  }

  @Test
  void watchesShareOneOutstandingBlockingQueryAndDoNotPoll() throws Exception {
    ConsulStore s = openWithWait(consul, Duration.ofSeconds(2));
    s.put("a", V);
    List<Watch<?>> watches = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      watches.add(s.watch("k" + i));
    }
    watches.add(s.watchTree(""));
    watches.add(s.watchTree("a"));
    for (Watch<?> w : watches) {
      w.take();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> consul.inFlight() == 1);
    long before = consul.requestCount("kv");
    Thread.sleep(3000);
    long idle = consul.requestCount("kv") - before;
    assertThat(idle).as("requests in 3 s of an idle watch with a 2 s wait").isBetween(1L, 3L);
    assertThat(consul.inFlight()).isEqualTo(1);
    // closing does not wait for the blocking query's wait
    long t0 = System.nanoTime();
    s.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> consul.inFlight() == 0);
  }

  @Test
  void reapedTombstonesLowerTheIndexWithoutAReset() throws Exception {
    ConsulStore s = openWithWait(consul, Duration.ofMillis(500));
    s.put("t/a", V);
    s.put("t/b", V);
    try (Watch<TreeEvent> w = s.watchTree("t")) {
      assertThat(w.take().type()).isEqualTo(EventType.CURRENT);
      s.delete("t/b");
      assertThat(w.take().type()).isEqualTo(EventType.DELETE);
      consul.reapTombstones(); // the listing's index goes back over an unchanged state
      Thread.sleep(1500); // a blocking query's wait ends with the lower index
      s.put("t/c", V);
      TreeEvent e = w.take();
      assertThat(e.type()).isEqualTo(EventType.PUT);
      assertThat(e.changes()).extracting(TreeEvent.Change::key).containsExactly("t/c");
    }
  }

  @Test
  void watchSeesDeletesAndWritesOfOtherClients() throws Exception {
    Store a = open("");
    Store b = open("");
    try (Watch<KeyEvent> w = a.watch("k")) {
      assertThat(w.take().type()).isEqualTo(EventType.ABSENT);
      b.put("k", V);
      assertThat(w.take().type()).isEqualTo(EventType.PUT);
      b.delete("k");
      KeyEvent del = w.take();
      assertThat(del.type()).isEqualTo(EventType.DELETE);
      assertThat(del.pair()).isEmpty();
    }
  }
}
