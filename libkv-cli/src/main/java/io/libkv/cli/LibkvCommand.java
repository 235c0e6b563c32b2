package io.libkv.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The top-level {@code libkv} command: global options and the list of subcommands. Holds the
 * run's {@link Cli} and the global options' values, wherever on the line they were given.
 */
@Command(
    name = "libkv",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "One key/value metadata API over etcd, Consul, ZooKeeper, bbolt files and memory.",
    synopsisSubcommandLabel = "COMMAND",
    footer = {"", "Exit codes: 0 done/true, 1 not found/false/conflict, 2 usage or invalid input,",
        "3 store unavailable, 4 not supported, 5 other error. See docs/cli.md."},
    subcommands = {
        PutCommand.class,
        GetCommand.class,
        ExistsCommand.class,
        RmCommand.class,
        LsCommand.class,
        CasCommand.class,
        WatchCommand.class,
        LockCommand.class,
        ExportCommand.class,
        ImportCommand.class,
        BenchCommand.class,
    })
final class LibkvCommand implements Runnable {
  final Cli cli;
  String store;
  boolean json;

  @Mixin
  GlobalOptions globals;

  LibkvCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public void run() {
    throw CliException.usage("a command is needed: put, get, exists, rm, ls, cas, watch, lock, export, import, bench");
  }
}
