package io.libkv.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --store}, {@code -o}, {@code --json} and {@code --verbose}, mixed into every command so
 * they are accepted before or after the command name; the values land in the root {@link
 * LibkvCommand}.
 */
final class GlobalOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  private LibkvCommand root() {
    return (LibkvCommand) mixee.root().userObject();
  }

  @Option(
      names = "--store",
      paramLabel = "URI",
      description = "The store (default: $LIBKV_STORE, else " + Stores.DEFAULT_STORE + ").")
  void store(String uri) {
    root().store = uri;
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description =
          "Output format: ${COMPLETION-CANDIDATES} (default text; table: aligned columns, for listings"
              + " and records; commands that print nothing refuse -o).")
  void output(OutputFormat format) {
    root().output(format, "-o " + format);
  }

  @Option(
      names = "--json",
      description = "JSON lines output, as -o json (commands that print nothing refuse it).")
  void json(boolean json) {
    if (json) {
      root().output(OutputFormat.json, "--json");
    }
  }

  @Option(names = "--verbose", description = "Library logging and error details on stderr.")
  void verbose(boolean verbose) {
    root().cli.verbose(verbose);
    Logging.configure(verbose);
  }
}
