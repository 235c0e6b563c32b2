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
}
