package io.libkv.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * {@code bolt check|buckets|keys|get|stats|compact|bench}: tools for any bbolt file (ours, Go's,
 * etcd's {@code member/snap/db}), read-only except compact's output. The subcommands share {@link
 * BoltFiles}.
 */
@Command(
    name = "bolt",
    mixinStandardHelpOptions = true,
    description = {
      "Tools for bbolt files (read-only, except compact's output).",
      "Names are shown as text when valid UTF-8 without control characters, else hex:...;",
      "BUCKET arguments take the same forms, nested buckets as a/b."
    },
    subcommands = {
      BoltCheckCommand.class,
      BoltBucketsCommand.class,
      BoltKeysCommand.class,
      BoltGetCommand.class,
      BoltStatsCommand.class,
      BoltCompactCommand.class,
      BoltBenchCommand.class
    })
final class BoltCommand implements Runnable {
  @ParentCommand LibkvCommand root;

  @Mixin GlobalOptions globals;

  @Override
  public void run() {
    throw CliException.usage(
        "bolt needs a command: check, buckets, keys, get, stats, compact, bench");
  }
}
