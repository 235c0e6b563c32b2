package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.servers.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the URI chooses on one real server: the database, and the key prefix as its own store. */
class RedisStoreTest {
  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theDatabaseParameterTakesEffect() {
    try (Store zero = LibKV.open("redis://" + server.address() + "/db");
        Store one = LibKV.open("redis://" + server.address() + "/db?database=1")) {
      zero.put("k", "in 0".getBytes(UTF_8));
      one.put("k", "in 1".getBytes(UTF_8));
      assertThat(zero.get("k").valueAsString()).isEqualTo("in 0");
      assertThat(one.get("k").valueAsString()).isEqualTo("in 1");
    }
    // the server agrees: the store's values hash lives in each database
    assertThat(server.cli("-n", "1", "HGET", "{libkv:db}:d", "k").trim()).isEqualTo("in 1");
    assertThat(server.cli("-n", "0", "HGET", "{libkv:db}:d", "k").trim()).isEqualTo("in 0");
  }

  @Test
  void aPrefixIsAStoreOfItsOwnUnderOneHashTag() {
    try (Store root = LibKV.open("redis://" + server.address());
        Store app = LibKV.open("redis://" + server.address() + "/app")) {
      app.put("a/b", "v".getBytes(UTF_8));
      assertThat(app.list("a")).hasSize(1);
      assertThat(root.exists("app/a/b")).isFalse();
      for (byte[] k : ((RedisStore) app).redisKeys()) {
        assertThat(new String(k, UTF_8)).startsWith("{libkv:app}:");
      }
    }
  }

  @Test
  void statusNamesTheServer() {
    try (Store s = LibKV.open("redis://" + server.address())) {
      assertThat(s.status().serverVersion())
          .hasValueSatisfying(v -> assertThat(v).startsWith("7."));
      assertThat(s.status().members())
          .singleElement()
          .satisfies(m -> assertThat(m.leader()).isTrue());
    }
  }
}
