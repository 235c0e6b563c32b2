package io.libkv.testkit;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/** The kit on {@code memory:}, the reference store: in full, with no exclusions. */
@DisplayName("memory: store compatibility")
class MemoryStoreCompatibilityTest extends StoreCompatibilityKit {
  // one data set per test class, as a backend has one server per class
  private static final String NAME = "kit-" + UUID.randomUUID();

  @AfterAll
  static void dropData() {
    MemoryStore.drop(NAME);
  }

  @Override
  protected Store openStore() {
    return MemoryStore.open(NAME, StoreConfig.DEFAULT);
  }

  @Override
  protected StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        ((MemoryStore) store).simulateSessionExpiry();
      }

      @Override
      public void cutOff(Store store) {
        ((MemoryStore) store).simulatePartition(true);
      }

      @Override
      public void reconnect(Store store) {
        ((MemoryStore) store).simulatePartition(false);
      }

      @Override
      public void compactHistory(Store store) {
        // memory keeps the last 10,000 changes (MemoryData.HISTORY) for resumed watches: push older
        // ones out
        String scratch = "kit-compaction-" + UUID.randomUUID();
        for (int i = 0; i <= 10_000; i++) {
          store.put(scratch, new byte[0]);
        }
        store.delete(scratch);
      }
    };
  }
}
