package io.libkv.cli;

import java.nio.file.Path;
import java.util.UUID;

/** docs/cli.md's {@code txn} in this JVM, on a named memory store shared by the test's runs. */
class InProcessTransactionTest extends CliTransactionContract {
  @Override
  CliRunner newRunner(Path workDir) {
    return new InProcessRunner();
  }

  @Override
  String newStoreUri(Path dir) {
    return "memory:txn-" + UUID.randomUUID();
  }
}
