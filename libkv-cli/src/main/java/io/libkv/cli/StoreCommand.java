package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.Store;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * A subcommand that works on the store in force: checks its input, opens the store, runs, and
 * closes the store (so ephemeral keys go and locks are released however it ends).
 */
abstract class StoreCommand implements Callable<Integer> {
  @ParentCommand LibkvCommand root;

  @Mixin GlobalOptions globals;

  /** How often a command that waits for its store's file looks for it. */
  private static final long FILE_POLL_MILLIS = 100;

  @Override
  public final Integer call() throws Exception {
    prepare();
    Store opened;
    while (true) {
      try {
        opened = Stores.open(root, readsOnly());
        break;
      } catch (KVException e) {
        if (!readsOnly() || !Stores.missingFile(e)) {
          throw e;
        }
        if (!waitsForStore()) {
          return missingStore(e);
        }
      }
      // a file nobody created yet: wait for a writer to create it, creating nothing ourselves
      if (cli().termination().stopRequested()) {
        return ExitCodes.OK;
      }
      Thread.sleep(FILE_POLL_MILLIS);
    }
    try (Store store = opened) {
      return run(store);
    }
  }

  /** Reads and validates input before the store is opened; bad input never touches the store. */
  void prepare() throws Exception {}

  /**
   * Whether this run only reads: a bbolt file is then opened read-only and never created. Read
   * commands answer for a missing file as for an empty store ({@link #missingStore}) or wait for it
   * ({@link #waitsForStore}).
   */
  boolean readsOnly() {
    return false;
  }

  /** Whether this run waits for a missing bbolt file to be created rather than answer at once. */
  boolean waitsForStore() {
    return false;
  }

  /**
   * The answer of a read on a bbolt file that does not exist: what it would be on an empty store.
   *
   * @param missing the failure to open it, naming the file and the store
   */
  int missingStore(KVException missing) {
    throw missing;
  }

  /** Runs on the open store; returns the exit code. */
  abstract int run(Store store) throws Exception;

  Cli cli() {
    return root.cli;
  }

  Output out() {
    return root.cli.out();
  }

  boolean json() {
    return root.json();
  }

  boolean table() {
    return root.table();
  }
}
