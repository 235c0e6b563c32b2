package io.libkv.cli;

import java.nio.file.Path;
import java.util.UUID;

/** docs/cli.md's checks in this JVM, on a named memory store shared by the test's runs. */
class InProcessCliTest extends CliContract {
  @Override
  CliRunner newRunner(Path workDir) {
    return new InProcessRunner();
  }

  @Override
  String newStoreUri(Path dir) {
    return "memory:cli-" + UUID.randomUUID();
  }
}
