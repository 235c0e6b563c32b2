package io.libkv.internal.kit;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.Watch;
import io.libkv.memory.MemoryStore;
import io.libkv.util.ForwardingStore;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LeakProbeTest {
  @Test
  void aDecoratedStoreIsAskedThroughItsDecorators() {
    String name = "probe-" + UUID.randomUUID();
    try (Store store =
        new ForwardingStore(
            new ForwardingStore(MemoryStore.open(name, StoreConfig.DEFAULT)) {}) {}) {
      Watch<?> w = store.watch("k");
      assertThat(LeakProbe.watchResources(store))
          .as("what the memory store below two decorators keeps for watches")
          .hasValueSatisfying(m -> assertThat(m.values()).containsExactly(1));
      w.close();
      assertThat(LeakProbe.watchResources(store))
          .hasValueSatisfying(m -> assertThat(m.values()).containsExactly(0));
    } finally {
      MemoryStore.drop(name);
    }
  }
}
