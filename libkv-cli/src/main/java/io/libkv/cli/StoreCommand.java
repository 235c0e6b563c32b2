package io.libkv.cli;

import io.libkv.Store;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * A subcommand that works on the store in force: checks its input, opens the store, runs, and
 * closes the store (so ephemeral keys go and locks are released however it ends).
 */
abstract class StoreCommand implements Callable<Integer> {
  @ParentCommand
  LibkvCommand root;

  @Mixin
  GlobalOptions globals;

  @Override
  public final Integer call() throws Exception {
    prepare();
    try (Store store = Stores.open(root)) {
      return run(store);
    }
  }

  /** Reads and validates input before the store is opened; bad input never touches the store. */
  void prepare() throws Exception {}

  /** Runs on the open store; returns the exit code. */
  abstract int run(Store store) throws Exception;

  Cli cli() {
    return root.cli;
  }

  Output out() {
    return root.cli.out();
  }

  boolean json() {
    return root.json;
  }
}
