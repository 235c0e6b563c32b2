package io.libkv.shedlock;

import io.libkv.LibKV;
import io.libkv.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The provider on a bbolt file that two stores of this JVM open. */
class BoltdbShedLockTest extends ShedLockContract {
  @TempDir Path files;

  @Override
  Store openClient() {
    return LibKV.open("boltdb:" + files.resolve("shedlock.db"));
  }
}
