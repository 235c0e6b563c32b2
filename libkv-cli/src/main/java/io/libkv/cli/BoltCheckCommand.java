package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltProblem;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bolt check FILE}: {@code OK} (exit 0) or one problem per line (exit 5). */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Checks a bbolt file's consistency: prints OK (exit 0) or one problem per line (exit 5).")
final class BoltCheckCommand extends BoltFileCommand implements JsonLines {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Override
  public Integer call() {
    List<BoltProblem> problems;
    try (BoltDB db = BoltFiles.openReadOnly(file)) {
      problems = db.check();
    }
    if (problems.isEmpty()) {
      out().line(json() ? Json.object().field("ok", true).toString() : "OK");
      return ExitCodes.OK;
    }
    for (BoltProblem p : problems) {
      String problem = ExitCodes.oneLine(p.toString());
      out()
          .line(
              json()
                  ? Json.object().field("ok", false).field("problem", problem).toString()
                  : problem);
    }
    return ExitCodes.OTHER;
  }
}
