package io.libkv.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A real three-node Redis Cluster through {@link RedisCluster}. */
class RedisClusterTest {
  @Test
  void threeNodesHoldAllSlotsAndAHashTagPinsKeysToOneNode() {
    try (RedisCluster c = RedisCluster.start()) {
      assertThat(c.nodes()).hasSize(3);
      assertThat(c.seedAddresses()).hasSize(3).allMatch(a -> a.startsWith("127.0.0.1:"));
      for (RedisServer n : c.nodes()) {
        assertThat(n.cli("CLUSTER", "INFO"))
            .contains("cluster_state:ok")
            .contains("cluster_slots_assigned:16384");
      }
      Set<RedisServer> owners =
          List.of(0, 8000, 16383).stream().map(c::nodeForSlot).collect(Collectors.toSet());
      assertThat(owners).hasSize(3);

      List<String> keys = List.of("{user:7}:name", "{user:7}:mail", "{user:7}");
      int slot = c.keySlot(keys.get(0));
      RedisServer owner = c.nodeForKey(keys.get(0));
      for (String k : keys) {
        assertThat(c.keySlot(k)).isEqualTo(slot);
        assertThat(c.nodeForKey(k)).isSameAs(owner);
        assertThat(owner.cli("SET", k, "v")).isEqualTo("OK");
      }
      assertThat(owner.cli("MGET", keys.get(0), keys.get(1), keys.get(2))).isEqualTo("v\nv\nv");
      RedisServer other = c.nodes().stream().filter(n -> n != owner).findFirst().orElseThrow();
      assertThatThrownBy(() -> other.cli("GET", keys.get(0)))
          .hasMessageContaining("MOVED " + slot + " " + owner.address());
    }
  }
}
