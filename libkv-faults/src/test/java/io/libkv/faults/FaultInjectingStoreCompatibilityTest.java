package io.libkv.faults;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on the decorator over {@code memory:}, no fault active: in full, with no
 * exclusions, so the decorator is proven transparent. The kit's own faults act on the wrapped
 * store.
 */
@DisplayName("FaultInjectingStore over memory:, no fault active: store compatibility")
class FaultInjectingStoreCompatibilityTest extends StoreCompatibilityKit {
  private static final String NAME = "faults-kit-" + UUID.randomUUID();

  @AfterAll
  static void dropData() {
    MemoryStore.drop(NAME);
  }

  @Override
  protected Store openStore() {
    return FaultInjectingStore.wrap(MemoryStore.open(NAME, StoreConfig.DEFAULT));
  }

  private static MemoryStore memory(Store store) {
    return (MemoryStore) ((FaultInjectingStore) store).delegate();
  }

  @Override
  protected StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        memory(store).simulateSessionExpiry();
      }

      @Override
      public void cutOff(Store store) {
        memory(store).simulatePartition(true);
      }

      @Override
      public void reconnect(Store store) {
        memory(store).simulatePartition(false);
      }

      @Override
      public void compactHistory(Store store) {
        // memory keeps the last 10,000 changes for resumed watches: push older ones out
        Store m = memory(store);
        String scratch = "kit-compaction-" + UUID.randomUUID();
        for (int i = 0; i <= 10_000; i++) {
          m.put(scratch, new byte[0]);
        }
        m.delete(scratch);
      }
    };
  }
}
