package io.libkv.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The top-level {@code libkv} command: global options and the list of subcommands. Holds the run's
 * {@link Cli} and the global options' values, wherever on the line they were given.
 */
@Command(
    name = "libkv",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description =
        "One key/value metadata API over etcd, Consul, ZooKeeper, bbolt files and memory.",
    synopsisSubcommandLabel = "COMMAND",
    footer = {
      "",
      "Exit codes: 0 done/true, 1 not found/false/conflict, 2 usage or invalid input,",
      "3 store unavailable, 4 not supported, 5 other error. See docs/cli.md."
    })
final class LibkvCommand implements Runnable {
  /** Every subcommand, in help order; see {@link Cli#commandLine(String...)}. */
  static final Map<String, Supplier<Object>> COMMANDS = commands();

  private static Map<String, Supplier<Object>> commands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("put", PutCommand::new);
    m.put("get", GetCommand::new);
    m.put("exists", ExistsCommand::new);
    m.put("rm", RmCommand::new);
    m.put("ls", LsCommand::new);
    m.put("cas", CasCommand::new);
    m.put("txn", TxnCommand::new);
    m.put("watch", WatchCommand::new);
    m.put("lock", LockCommand::new);
    m.put("export", ExportCommand::new);
    m.put("import", ImportCommand::new);
    m.put("bench", BenchCommand::new);
    m.put("elect", ElectCommand::new);
    m.put("leader", LeaderCommand::new);
    m.put("register", RegisterCommand::new);
    m.put("members", MembersCommand::new);
    m.put("bolt", BoltCommand::new);
    m.put("status", StatusCommand::new);
    m.put("completion", CompletionCommand::new);
    return Collections.unmodifiableMap(m);
  }

  final Cli cli;
  @Nullable String store;

  /** The output format in force; text unless -o or --json asked for another. */
  OutputFormat output = OutputFormat.text;

  /** How the format was asked for ({@code -o table}, {@code --json}); null when it was not. */
  @Nullable String outputOption;

  /** A second, different format asked for on the same line; null when there was none. */
  @Nullable String conflictingOutput;

  @Mixin GlobalOptions globals;

  LibkvCommand(Cli cli) {
    this.cli = cli;
  }

  /** Records an output format asked for by {@code option}; a different second one is a conflict. */
  void output(OutputFormat format, String option) {
    if (outputOption != null && format != output) {
      conflictingOutput = option;
      return;
    }
    output = format;
    outputOption = option;
  }

  boolean json() {
    return output == OutputFormat.json;
  }

  boolean table() {
    return output == OutputFormat.table;
  }

  @Override
  public void run() {
    throw CliException.usage("a command is needed: " + String.join(", ", COMMANDS.keySet()));
  }
}
