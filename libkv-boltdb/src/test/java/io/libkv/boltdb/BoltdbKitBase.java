package io.libkv.boltdb;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;

/** The kit on a bbolt file of its own, in one mode. */
abstract class BoltdbKitBase extends StoreCompatibilityKit {
  private final String uri;

  BoltdbKitBase(String mode) {
    try {
      uri = "boltdb:" + Files.createTempDirectory("libkv-kit").resolve("kit.db") + "?mode=" + mode;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Store openStore() {
    return LibKV.open(uri);
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
