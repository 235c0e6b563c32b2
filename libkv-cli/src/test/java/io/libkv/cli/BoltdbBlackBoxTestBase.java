package io.libkv.cli;

import java.nio.file.Path;

/** Black-box tests whose commands share a {@code boltdb:} file in the scratch directory. */
abstract class BoltdbBlackBoxTestBase extends CliTestBase {
  @Override
  CliRunner newRunner(Path workDir) {
    return new LauncherRunner(workDir);
  }

  @Override
  String newStoreUri(Path dir) {
    return "boltdb:" + dir.resolve("t.db");
  }
}
