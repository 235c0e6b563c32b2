package io.libkv.integration;

import io.libkv.LibKV;
import io.libkv.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The registry on a bbolt file that two stores of this JVM open. */
class BoltdbLockRegistryTest extends LockRegistryContract {
  @TempDir Path files;

  @Override
  Store openClient() {
    return LibKV.open("boltdb:" + files.resolve("locks.db"));
  }
}
