package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.libkv.Capabilities;
import io.libkv.ConfigurationException;
import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.TtlTooShortException;
import io.libkv.ValueTooLargeException;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.FreePorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What only etcd does: prefixes, the lease floor, the request limit, pagination, resumed watches,
 * URIs.
 */
class EtcdStoreTest {
  private static EtcdServer server;
  private static Client raw;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
    raw = Client.builder().endpoints("http://" + server.endpoint()).build();
  }

  @AfterAll
  static void stop() {
    raw.close();
    server.close();
  }

  private static Store open(String prefix) {
    return LibKV.open("etcd://" + server.endpoint() + "/" + prefix + "?timeout=5s");
  }

  private static String prefix(TestInfo info) {
    return "t-" + info.getTestMethod().orElseThrow().getName();
  }

  private static byte[] rawGet(String key) throws Exception {
    var r = raw.getKVClient().get(ByteSequence.from(key, UTF_8)).get(5, TimeUnit.SECONDS);
    return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().getBytes();
  }

  @Test
  void keepAliveListenersHearTheLeaseRenewalsAndTheirRoundTrip(TestInfo info) throws Exception {
    try (Store s = open(prefix(info))) {
      java.util.concurrent.BlockingQueue<io.libkv.KeepAliveEvent> heard =
          new java.util.concurrent.LinkedBlockingQueue<>();
      s.onKeepAlive(heard::add, Runnable::run);
      Duration ttl = s.capabilities().minEphemeralTtl().plusSeconds(1);
      s.put("e", "v".getBytes(UTF_8), io.libkv.WriteOptions.ephemeral(ttl));
      // renewed every third of the TTL
      io.libkv.KeepAliveEvent e = heard.poll(ttl.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      assertThat(e).as("a renewal within the TTL").isNotNull();
      assertThat(e.outcome()).isEqualTo(io.libkv.KeepAliveEvent.Outcome.RENEWED);
      assertThat(e.lease()).startsWith("etcd lease ");
      assertThat(e.took()).isPositive().isLessThan(ttl);
    }
  }

  @Test
  void keysLiveUnderThePrefixAndIndexesAreModRevisions(TestInfo info) throws Exception {
    String p = prefix(info);
    try (Store s = open(p)) {
      s.put("a/b", "v".getBytes(UTF_8));
      assertThat(rawGet(p + "/a/b")).isEqualTo("v".getBytes(UTF_8));
      var r = raw.getKVClient().get(ByteSequence.from(p + "/a/b", UTF_8)).get(5, TimeUnit.SECONDS);
      assertThat(s.get("a/b").lastIndex()).isEqualTo(r.getKvs().get(0).getModRevision());
      try (Store other = open(p + "-other")) {
        assertThat(other.exists("a/b")).isFalse();
      }
    }
  }

  @Test
  void capabilitiesReportTheProbedLeaseFloorAndTheRequestLimit(TestInfo info) {
    try (Store s = open(prefix(info))) {
      Capabilities c = s.capabilities();
      assertThat(c.backend()).isEqualTo("etcd");
      // etcd's floor with its default 100 ms heartbeat and 1 s election timeout: 1.5 s, granted as
      // 2 s
      assertThat(c.minEphemeralTtl()).isEqualTo(Duration.ofSeconds(2));
      assertThat(c.minExpiringTtl()).isEqualTo(Duration.ofSeconds(2));
      assertThat(c.ephemeralTtlGranularity()).isEqualTo(Duration.ofSeconds(1));
      assertThat(c.maxValueBytes()).isLessThan(1536 * 1024).isGreaterThan(1500 * 1024);
      assertThatThrownBy(
              () -> s.put("k", new byte[1], WriteOptions.ephemeral(Duration.ofSeconds(1))))
          .isInstanceOf(TtlTooShortException.class)
          .hasMessageContaining("minimum of 2s");
      assertThatThrownBy(() -> s.put("k", new byte[(int) c.maxValueBytes() + 1]))
          .isInstanceOf(ValueTooLargeException.class);
      s.put("big", new byte[(int) c.maxValueBytes()]);
      assertThat(s.get("big").valueLength()).isEqualTo((int) c.maxValueBytes());
    }
    try (Store s =
        LibKV.open("etcd://" + server.endpoint() + "/" + prefix(info) + "?maxValueBytes=10")) {
      assertThat(s.capabilities().maxValueBytes()).isEqualTo(10);
      assertThatThrownBy(() -> s.put("k", new byte[11])).isInstanceOf(ValueTooLargeException.class);
    }
  }

  @Test
  void largeDirectoriesArePaginatedAndSorted(TestInfo info) {
    try (Store s = open(prefix(info))) {
      Map<String, byte[]> m = new TreeMap<>();
      byte[] v = new byte[20_000];
      for (int i = 0; i < 600; i++) {
        m.put(String.format("d/%04d", i), v);
      }
      s.putAll(m);
      s.put("dx", v); // never listed under d: segment boundaries
      List<KVPair> l = s.list("d");
      assertThat(l).hasSize(600);
      List<String> keys = new ArrayList<>();
      l.forEach(p -> keys.add(p.key()));
      assertThat(keys).isSorted().doesNotContain("dx");
      s.deleteTree("d");
      assertThat(s.exists("d/0001")).isFalse();
      assertThat(s.exists("dx")).isTrue();
    }
  }

  @Test
  void watchResumesFromAnIndex(TestInfo info) throws Exception {
    try (Store s = open(prefix(info))) {
      s.put("k", "v1".getBytes(UTF_8));
      long from = s.get("k").lastIndex();
      s.put("k", "v2".getBytes(UTF_8));
      s.put("k", "v3".getBytes(UTF_8));
      s.delete("k");
      try (Watch<KeyEvent> w = s.watch("k", WatchOptions.fromIndex(from))) {
        List<EventType> types = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          types.add(w.poll(Duration.ofSeconds(5)).orElseThrow().type());
        }
        assertThat(types).containsExactly(EventType.PUT, EventType.PUT, EventType.DELETE);
      }
    }
  }

  /** The names of the lock queue entries of {@code key} under {@code prefix}, as etcd has them. */
  private static List<String> queueEntries(String prefix, String key) throws Exception {
    ByteSequence queue = ByteSequence.from(prefix + "/_libkv/locks/" + key + "//", UTF_8);
    var r =
        raw.getKVClient()
            .get(queue, io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build())
            .get(5, TimeUnit.SECONDS);
    List<String> names = new ArrayList<>();
    r.getKvs().forEach(kv -> names.add(kv.getKey().toString(UTF_8)));
    return names;
  }

  @Test
  void aNewLockPerCycleReusesItsQueueEntrysNameAndConcurrentOnesDoNot(TestInfo info)
      throws Exception {
    // etcd indexes every key ever written until compaction, and the queue's range compare walks
    // that index: a fresh entry name per cycle made each cycle slower than the last
    try (Store s = open(prefix(info))) {
      java.util.Set<String> names = new java.util.TreeSet<>();
      long token = 0;
      for (int i = 0; i < 20; i++) {
        try (io.libkv.LockLease l = s.newLock("job").lock()) {
          assertThat(l.fencingToken()).isGreaterThan(token);
          token = l.fencingToken();
          names.addAll(queueEntries(prefix(info), "job"));
        }
      }
      assertThat(names).as("entry names over 20 cycles, a new Lock each").hasSize(1);
      // two acquisitions at once through one store: two entries, two names
      io.libkv.LockLease held = s.newLock("job").lock();
      io.libkv.Lock second = s.newLock("job");
      Thread waiter =
          new Thread(
              () -> {
                try (io.libkv.LockLease l = second.lock()) {
                  assertThat(l.fencingToken()).isGreaterThan(held.fencingToken());
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      waiter.start();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> queueEntries(prefix(info), "job").size() == 2);
      held.close();
      waiter.join(10_000);
      assertThat(waiter.isAlive()).isFalse();
      assertThat(queueEntries(prefix(info), "job")).isEmpty();
    }
  }

  @Test
  void contendedLocksAreFifoWithIncreasingTokens(TestInfo info) throws Exception {
    try (Store a = open(prefix(info));
        Store b = open(prefix(info))) {
      List<Long> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.atomic.AtomicInteger inside =
          new java.util.concurrent.atomic.AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      long start = System.nanoTime();
      for (int t = 0; t < 4; t++) {
        Store s = t % 2 == 0 ? a : b;
        io.libkv.Lock lock = s.newLock("lock");
        Thread th =
            new Thread(
                () -> {
                  for (int r = 0; r < 25; r++) {
                    try (io.libkv.LockLease l = lock.lock()) {
                      assertThat(inside.incrementAndGet()).isEqualTo(1);
                      tokens.add(l.fencingToken());
                      inside.decrementAndGet();
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join(60_000);
        assertThat(th.isAlive()).as("a locker still waits").isFalse();
      }
      System.out.printf(
          "100 contended lock cycles in %d ms%n", (System.nanoTime() - start) / 1_000_000);
      assertThat(tokens).hasSize(100).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  void anUnreachableStoreFailsWithinTheConnectTimeoutNamingTheEndpoints() {
    int port = FreePorts.next();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> LibKV.open("etcd://127.0.0.1:" + port + "?connectTimeout=1s&timeout=1s"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + port);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void uriParametersAndPrefixes() {
    assertThatThrownBy(() -> LibKV.open("etcd://127.0.0.1:1?bucket=x"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> LibKV.open("etcd:///app")).isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(
            () ->
                LibKV.open(
                    "etcd://" + server.endpoint() + "/a",
                    StoreConfig.builder().prefix("b").build()))
        .isInstanceOf(ConfigurationException.class);
    try (Store s = LibKV.open("etcd://" + server.endpoint() + "//app/x/?timeout=2s")) {
      assertThat(s.description()).isEqualTo("etcd://" + server.endpoint() + "/app/x");
    }
  }

  @Test
  void aDirectoryLargerThanOneAnswerIsListedWholeAtOneRevision(TestInfo info) throws Exception {
    // 48 values of 1 MiB: more than the client's 32 MiB message limit in one page, so pages shrink
    byte[] big = new byte[1024 * 1024];
    try (Store s = open(prefix(info))) {
      for (int i = 0; i < 48; i++) {
        big[0] = (byte) i;
        s.put(String.format("big/k%02d", i), big);
      }
      s.put("small/a", "x".getBytes(UTF_8));
      List<KVPair> all = s.list("big");
      assertThat(all).hasSize(48);
      for (int i = 0; i < 48; i++) {
        assertThat(all.get(i).key()).isEqualTo(String.format("big/k%02d", i));
        assertThat(all.get(i).value()[0]).isEqualTo((byte) i);
        assertThat(all.get(i).value()).hasSize(big.length);
      }
      assertThat(s.list("small")).extracting(KVPair::key).containsExactly("small/a");
      s.deleteTree("big");
    }
  }
}
