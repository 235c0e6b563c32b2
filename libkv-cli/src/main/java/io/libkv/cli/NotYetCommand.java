package io.libkv.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * The commands of docs/cli.md that this CLI does not have yet ({@code bolt}, {@code elect},
 * {@code leader}, {@code register}, {@code members}): they take any arguments and exit 4, "not
 * supported yet", so scripts can tell them from a typo (exit 2).
 */
@Command(mixinStandardHelpOptions = true, description = "Not supported yet (exit 4).")
final class NotYetCommand implements Callable<Integer> {
  static final List<String> NAMES = List.of("bolt", "elect", "leader", "register", "members");

  private final String name;

  @Mixin
  GlobalOptions globals;

  @Parameters(arity = "0..*", hidden = true)
  List<String> args;

  @Unmatched
  List<String> unmatched;

  NotYetCommand(String name) {
    this.name = name;
  }

  @Override
  public Integer call() {
    throw new CliException(ExitCodes.UNSUPPORTED, name + " is not supported yet by this libkv CLI");
  }
}
