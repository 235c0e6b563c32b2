package io.libkv.cli;

import java.nio.file.Path;
import java.util.UUID;

/**
 * docs/cli.md's checks of runs sharing a store, in this JVM, on a named memory store shared by the
 * test's runs.
 */
class InProcessSharedStoreTest extends CliSharedStoreContract {
  @Override
  CliRunner newRunner(Path workDir) {
    return new InProcessRunner();
  }

  @Override
  String newStoreUri(Path dir) {
    return "memory:cli-" + UUID.randomUUID();
  }

  /** docs/cli.md's {@code txn} on the same kind of store. */
  @org.junit.jupiter.api.Nested
  class Transactions extends CliTransactionContract {
    @Override
    CliRunner newRunner(Path workDir) {
      return InProcessSharedStoreTest.this.newRunner(workDir);
    }

    @Override
    String newStoreUri(Path dir) {
      return InProcessSharedStoreTest.this.newStoreUri(dir);
    }
  }
}
