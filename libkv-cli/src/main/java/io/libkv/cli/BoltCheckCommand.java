package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltProblem;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bolt check FILE}: {@code OK} (exit 0) or one problem per line (exit 5). */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Checks a bbolt file's consistency: prints OK (exit 0) or one problem per line (exit 5).")
final class BoltCheckCommand extends BoltFileCommand {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Override
  public Integer call() {
    List<BoltProblem> problems;
    try (BoltDB db = BoltFiles.openReadOnly(file)) {
      problems = db.check();
    }
    if (problems.isEmpty()) {
      out().line("OK");
      return ExitCodes.OK;
    }
    for (BoltProblem p : problems) {
      out().line(ExitCodes.oneLine(p.toString()));
    }
    return ExitCodes.OTHER;
  }
}
