package io.libkv.boltdb;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;

/** The kit on a bbolt file in exclusive mode (the API's default). */
@DisplayName("boltdb: store compatibility, exclusive mode")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BoltdbExclusiveCompatibilityTest extends BoltdbKitBase {
  BoltdbExclusiveCompatibilityTest() {
    super("exclusive");
  }
}
