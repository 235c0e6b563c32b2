package io.libkv.boltdb;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;

/** The kit on a bbolt file in shared mode (open per operation, as the CLI). */
@DisplayName("boltdb: store compatibility, shared mode")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BoltdbSharedCompatibilityTest extends BoltdbKitBase {
  BoltdbSharedCompatibilityTest() {
    super("shared");
  }
}
