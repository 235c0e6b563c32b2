package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltStats;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code bolt stats FILE [--json]}: {@code name: value} lines, a NAME VALUE table, or one JSON
 * object.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description =
        "Prints page and content statistics as 'name: value' lines (--json: one object;"
            + " -o table: a NAME VALUE table).")
final class BoltStatsCommand extends BoltFileCommand implements JsonLines, TableOutput {
  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Override
  public Integer call() throws ReflectiveOperationException {
    BoltStats stats;
    try (BoltDB db = BoltFiles.openReadOnly(file)) {
      stats = db.stats();
    }
    // one list of names, the engine's: a statistic added there shows here without a change
    Json.ObjectWriter json = Json.object();
    Table table = new Table("NAME", "VALUE");
    for (RecordComponent c : BoltStats.class.getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(stats);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException(e.getCause());
      }
      long n = ((Number) v).longValue();
      if (json()) {
        json.field(c.getName(), n);
      } else if (table()) {
        table.row(words(c.getName()), n);
      } else {
        out().line(words(c.getName()) + ": " + n);
      }
    }
    if (json()) {
      out().line(json.toString());
    } else if (table()) {
      table.print(out());
    }
    return ExitCodes.OK;
  }

  /** {@code maxTreeHeight} as {@code max tree height}. */
  private static String words(String camel) {
    return camel.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
  }
}
