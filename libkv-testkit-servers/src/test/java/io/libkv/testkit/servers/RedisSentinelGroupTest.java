package io.libkv.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A real primary, replica and three sentinels through {@link RedisSentinelGroup}. */
@Tag("slow")
class RedisSentinelGroupTest {
  @Test
  void killedPrimaryIsReplacedByTheReplicaWhichTakesWritesAndTheOldOneRejoins() {
    RedisServer.Options auth = new RedisServer.Options().adminUser("admin", "adminpw");
    try (RedisSentinelGroup g = RedisSentinelGroup.start(auth)) {
      assertThat(g.masterName()).isEqualTo("libkv");
      assertThat(g.sentinelAddresses()).hasSize(3).allMatch(a -> a.startsWith("127.0.0.1:"));
      RedisServer first = g.primary();
      RedisServer second = g.replica();
      assertThat(first).isSameAs(g.servers().get(0));
      assertThat(second).isSameAs(g.servers().get(1));
      assertThat(first.cli("SET", "before", "1")).isEqualTo("OK");
      assertThat(first.cli("WAIT", "1", "10000")).isEqualTo("1");

      long t0 = System.nanoTime();
      assertThat(g.killPrimary()).isSameAs(first);
      assertThat(first.pid()).isEqualTo(-1);
      RedisServer promoted = g.awaitFailover(Duration.ofSeconds(30));
      long failoverMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(promoted).isSameAs(second);
      assertThat(g.primary()).isSameAs(second);
      assertThat(promoted.cli("SET", "after", "2")).isEqualTo("OK");
      assertThat(promoted.cli("GET", "before")).isEqualTo("1");

      long t1 = System.nanoTime();
      g.restart(first);
      long rejoinMs = (System.nanoTime() - t1) / 1_000_000;
      assertThat(g.replica()).isSameAs(first);
      assertThat(promoted.cli("WAIT", "1", "10000")).isEqualTo("1");
      assertThat(first.cli("GET", "after")).isEqualTo("2");
      System.out.println("failover " + failoverMs + " ms, rejoin " + rejoinMs + " ms");
    }
  }
}
