/**
 * The libkv conformance kit: {@link io.libkv.testkit.StoreCompatibilityKit}, which every backend's
 * test extends, with its fault SPI ({@link io.libkv.testkit.StoreFaults}) and leak check.
 */
module io.libkv.testkit {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;
  requires org.junit.jupiter.params;
  requires awaitility;
  requires java.management;

  exports io.libkv.testkit;
}
