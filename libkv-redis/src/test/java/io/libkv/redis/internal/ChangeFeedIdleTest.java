package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.Store;
import io.libkv.Watch;
import io.libkv.testkit.servers.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A store's change feed (a blocking {@code XREAD} of the prefix's stream on a connection of its
 * own) serves watches and lock waiters. Once the last of them is gone it has nothing to deliver,
 * yet while it runs every write to the prefix, by any client, wakes it: RedisBenchmark measured a
 * put's median at about 65 us on a store that never watched or locked and about 120 us on one that
 * took one lock and released it, the same script on the same server.
 */
@DisplayName("Redis change feed when nothing listens")
class ChangeFeedIdleTest {
  /** Longer than one blocking read of the feed (1 s). */
  private static final Duration QUIET = Duration.ofMillis(1500);

  /** Room for the feed to notice, with slack for a loaded machine. */
  private static final Duration SETTLE = Duration.ofSeconds(8);

  private static RedisServer server;

  @BeforeAll
  static void startServer() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static long blockedClients() {
    return Long.parseLong(server.info("clients").getOrDefault("blocked_clients", "-1"));
  }

  /** Whether a client is seen blocked on the server within {@link #SETTLE}. */
  private static boolean someoneBlocks() throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (System.nanoTime() < deadline) {
      if (blockedClients() > 0) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  /**
   * Whether, within {@link #SETTLE}, no client stays blocked for {@link #QUIET}: a feed that runs
   * is unblocked only for the moment between two reads, which a single sample may catch.
   */
  private static boolean nobodyBlocksFor() throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      if (blockedClients() > 0) {
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= QUIET.toNanos()) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  @Test
  @DisplayName("after its only lock is released, a store stops reading the change stream")
  void feedStopsAfterLastLock() throws Exception {
    try (Store store = LibKV.open("redis://127.0.0.1:" + server.port() + "/idle-lock")) {
      try (LockLease l = store.newLock("lock").lock()) {
        l.checkHeld();
      }
      store.put("after", "v".getBytes(UTF_8));
      assertThat(nobodyBlocksFor())
          .as("no client blocked in XREAD for %s, within %s of the lock's release", QUIET, SETTLE)
          .isTrue();
    }
  }

  @Test
  @DisplayName("after its only watch is closed, a store stops reading the change stream")
  void feedStopsAfterLastWatch() throws Exception {
    try (Store store = LibKV.open("redis://127.0.0.1:" + server.port() + "/idle-watch")) {
      try (Watch<KeyEvent> w = store.watch("k")) {
        assertThat(w.poll(Duration.ofSeconds(10))).isPresent();
        assertThat(someoneBlocks()).as("the feed reads while the watch is open").isTrue();
      }
      assertThat(nobodyBlocksFor())
          .as("no client blocked in XREAD for %s, within %s of the watch's close", QUIET, SETTLE)
          .isTrue();
    }
  }
}
