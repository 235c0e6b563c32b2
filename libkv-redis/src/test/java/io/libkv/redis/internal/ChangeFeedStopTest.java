package io.libkv.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KeyEvent;
import io.libkv.Store;
import io.libkv.Watch;
import io.libkv.redis.RedisOptions;
import io.libkv.spi.StoreLocation;
import io.libkv.testkit.servers.RedisCluster;
import io.libkv.testkit.servers.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When the last watch closes, the store's change-feed thread ends at once, not when its blocking
 * read (1 s) would have ended anyway: the conformance kit's resource check allows that long, and a
 * CI run on a loaded machine found the thread of a Cluster store still alive after it. Two ways in
 * failed: a cluster connection's close leaves its blocked read waiting out the block, and a watch
 * closed while the feed was still connecting was only noticed after the first read.
 */
@DisplayName("Redis change feed ends promptly when its last watch closes")
class ChangeFeedStopTest {
  /** Below the feed's block: a feed that waits its read out cannot end within it. */
  private static final Duration PROMPT = Duration.ofMillis(900);

  private static final int ROUNDS = 10;

  private static RedisServer server;
  private static RedisCluster cluster;

  @BeforeAll
  static void startServers() {
    server = RedisServer.start();
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stopServers() {
    if (cluster != null) {
      cluster.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static RedisOptions options(String deployment) {
    return deployment.equals("cluster")
        ? RedisOptions.builder()
            .endpoints(cluster.seedAddresses().toArray(new String[0]))
            .cluster(true)
            .build()
        : RedisOptions.builder().endpoints("127.0.0.1:" + server.port()).build();
  }

  private static boolean feedAlive(String description) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().equals("libkv-redis-feed " + description));
  }

  /** How long the store's feed thread lives on, up to 10 s. */
  private static Duration lingering(String description) throws InterruptedException {
    long start = System.nanoTime();
    while (feedAlive(description) && System.nanoTime() - start < 10_000_000_000L) {
      Thread.sleep(2);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @ParameterizedTest(name = "{0}, a watch closed as soon as it opens (the feed still connecting)")
  @ValueSource(strings = {"standalone", "cluster"})
  void closedWhileConnecting(String deployment) throws Exception {
    RedisOptions o = options(deployment);
    StoreLocation at = StoreLocation.of("redis", o.endpoints(), "");
    try (Store store = RedisStore.open(o, at)) {
      List<Duration> lived = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        store.watch("k").close();
        lived.add(lingering("redis://" + String.join(",", o.endpoints())));
      }
      assertThat(lived)
          .as("feed thread's life after the watch closed")
          .allMatch(d -> d.compareTo(PROMPT) < 0);
    }
  }

  @ParameterizedTest(name = "{0}, a watch closed as an event reaches it (the feed between reads)")
  @ValueSource(strings = {"standalone", "cluster"})
  void closedWhileReading(String deployment) throws Exception {
    RedisOptions o = options(deployment);
    StoreLocation at = StoreLocation.of("redis", o.endpoints(), "");
    try (Store store = RedisStore.open(o, at)) {
      List<Duration> lived = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        try (Watch<KeyEvent> w = store.watch("k")) {
          assertThat(w.poll(Duration.ofSeconds(10))).isPresent();
          store.put("k", new byte[] {(byte) i});
          assertThat(w.poll(Duration.ofSeconds(10))).isPresent();
        }
        lived.add(lingering("redis://" + String.join(",", o.endpoints())));
      }
      assertThat(lived)
          .as("feed thread's life after the watch closed")
          .allMatch(d -> d.compareTo(PROMPT) < 0);
    }
  }
}
