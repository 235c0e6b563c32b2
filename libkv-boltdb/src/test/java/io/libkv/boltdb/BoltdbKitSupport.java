package io.libkv.boltdb;

import io.libkv.Store;
import io.libkv.boltdb.internal.BoltdbStore;
import io.libkv.testkit.StoreFaults;

/**
 * The fault SPI of the boltdb store: a file has no server, so faults are those of a frozen or dead
 * process.
 */
final class BoltdbKitSupport {
  // every write is an fsync'd commit and every shared-mode call opens the file: TTLs and slack
  // sized so a loaded 2-core machine does not turn scheduling delays into expiries
  static final java.time.Duration BASE_TTL = java.time.Duration.ofMillis(1500);
  static final java.time.Duration SLACK = java.time.Duration.ofSeconds(2);

  private BoltdbKitSupport() {}

  static StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        ((BoltdbStore) store).simulateSessionExpiry();
      }

      @Override
      public void cutOff(Store store) {
        ((BoltdbStore) store).simulateCutOff(true);
      }

      @Override
      public void compactHistory(Store store) {
        // more tombstones than the store keeps: resuming from before them cannot be exact
        java.util.Map<String, byte[]> many = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 12_100; i++) {
          many.put("kit-compact/" + i, new byte[0]);
        }
        store.putAll(many);
        store.deleteTree("kit-compact");
      }

      @Override
      public void reconnect(Store store) {
        ((BoltdbStore) store).simulateCutOff(false);
      }
    };
  }
}
