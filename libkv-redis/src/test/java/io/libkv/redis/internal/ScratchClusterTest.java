package io.libkv.redis.internal;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.servers.RedisCluster;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScratchClusterTest {
  @Test
  void run() throws Exception {
    try (RedisCluster c = RedisCluster.start()) {
      try (Store s = LibKV.open("redis://" + String.join(",", c.seedAddresses()) + "?cluster=true")) {
        for (int i = 0; i < 5; i++) {
          try {
            s.put("a/" + i, "x".getBytes(StandardCharsets.UTF_8));
            System.out.println("ok " + s.get("a/" + i));
          } catch (Exception e) {
            System.out.println("fail " + e);
            Thread.sleep(500);
          }
        }
      }
    }
  }
}
