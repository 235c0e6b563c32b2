package io.libkv.boltdb;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;

/** The kit on a bbolt file in exclusive mode (the API's default). */
@DisplayName("boltdb: store compatibility, exclusive mode")
class BoltdbExclusiveCompatibilityTest extends StoreCompatibilityKit {
  private static final Path FILE;

  static {
    try {
      FILE = Files.createTempDirectory("libkv-kit").resolve("kit.db");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Store openStore() {
    return LibKV.open("boltdb:" + FILE + "?mode=exclusive");
  }

  @Override
  protected StoreFaults faults() {
    return BoltdbKitSupport.faults();
  }

  @Override
  protected Duration baseTtl() {
    return BoltdbKitSupport.BASE_TTL;
  }

  @Override
  protected Duration timingSlack() {
    return BoltdbKitSupport.SLACK;
  }
}
