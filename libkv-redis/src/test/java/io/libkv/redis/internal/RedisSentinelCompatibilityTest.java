package io.libkv.redis.internal;

import io.libkv.redis.RedisOptions;
import io.libkv.testkit.servers.RedisSentinelGroup;
import io.libkv.testkit.servers.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit, in full, through three real sentinels monitoring a primary with a replica:
 * the client asks the sentinels for the primary and talks to it.
 */
@DisplayName("Redis store compatibility (Sentinel: primary, replica, three sentinels)")
class RedisSentinelCompatibilityTest extends RedisKit {
  private static RedisSentinelGroup group;

  @BeforeAll
  static void startGroup() {
    group = RedisSentinelGroup.start();
  }

  @AfterAll
  static void stopGroup() {
    if (group != null) {
      group.close();
    }
  }

  @Override
  protected RedisOptions.Builder options() {
    return RedisOptions.builder()
        .endpoints(group.sentinelAddresses().toArray(new String[0]))
        .sentinel(group.masterName())
        .config(config());
  }

  @Override
  protected RedisServer dataServer() {
    return group.primary();
  }
}
