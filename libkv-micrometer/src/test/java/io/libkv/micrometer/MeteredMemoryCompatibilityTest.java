package io.libkv.micrometer;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The kit on {@link MeteredStore} over {@code memory:}, in full: the decorator changes no
 * behaviour. Faults go to the memory store under it.
 */
@DisplayName("memory: store compatibility through MeteredStore")
class MeteredMemoryCompatibilityTest extends StoreCompatibilityKit {
  private static final String NAME = "kit-metered-" + UUID.randomUUID();
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final Map<Store, MemoryStore> RAW = new ConcurrentHashMap<>();

  @AfterAll
  static void dropData() {
    MemoryStore.drop(NAME);
  }

  @Override
  protected Store openStore() {
    MemoryStore raw = MemoryStore.open(NAME, StoreConfig.DEFAULT);
    Store metered = MeteredStore.wrap(raw, REGISTRY);
    RAW.put(metered, raw);
    return metered;
  }

  private static MemoryStore raw(Store store) {
    return Objects.requireNonNull(RAW.get(store), "not a store of this test");
  }

  @Override
  protected StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        raw(store).simulateSessionExpiry();
      }

      @Override
      public void cutOff(Store store) {
        raw(store).simulatePartition(true);
      }

      @Override
      public void reconnect(Store store) {
        raw(store).simulatePartition(false);
      }

      @Override
      public void compactHistory(Store store) {
        // memory keeps its last 10,000 changes for resumed watches, one per key written: one batch
        // of more keys than that, and its removal, push every older change out
        String scratch = "kit-compaction-" + UUID.randomUUID();
        Map<String, byte[]> batch = new HashMap<>();
        for (int i = 0; i <= 10_000; i++) {
          batch.put(scratch + "/" + i, new byte[0]);
        }
        store.putAll(batch);
        store.deleteTree(scratch);
      }
    };
  }
}
