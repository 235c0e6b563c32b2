package io.libkv.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** A {@code bolt} subcommand: reaches the run's {@link Cli} through {@link BoltCommand}. */
abstract class BoltFileCommand implements Callable<Integer> {
  @ParentCommand BoltCommand bolt;

  @Mixin GlobalOptions globals;

  Cli cli() {
    return bolt.root.cli;
  }

  Output out() {
    return cli().out();
  }

  boolean json() {
    return bolt.root.json();
  }

  boolean table() {
    return bolt.root.table();
  }
}
