package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.libkv.redis.RedisOptions;
import io.libkv.testkit.servers.RedisCluster;
import io.libkv.testkit.servers.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit, in full, on a real three-primary Redis Cluster: the store's keys share the
 * hash slot of its tag, so every call goes to the one node that serves it.
 */
@DisplayName("Redis store compatibility (Cluster: three primaries)")
class RedisClusterCompatibilityTest extends RedisKit {
  private static RedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected RedisOptions.Builder options() {
    return RedisOptions.builder()
        .endpoints(cluster.seedAddresses().toArray(new String[0]))
        .cluster(true)
        .config(config());
  }

  @Override
  protected RedisServer dataServer() {
    return cluster.nodeForKey(new String(StoreScript.tag("").getBytes(UTF_8), UTF_8) + ":s");
  }
}
