package io.libkv.boltdb;

import io.libkv.Store;
import io.libkv.boltdb.internal.BoltdbStore;
import io.libkv.testkit.StoreFaults;

/** The fault SPI of the boltdb store: a file has no server, so faults are those of a frozen or dead process. */
final class BoltdbKitSupport {
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
      public void reconnect(Store store) {
        ((BoltdbStore) store).simulateCutOff(false);
      }
    };
  }
}
