package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.Store;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ls [DIR]}: every key below DIR, one per line, sorted by UTF-8 bytes. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "Lists every key below DIR (all depths), one canonical key per line, sorted by UTF-8 bytes.",
      "DIR \"\" or / (or none) is the root. --json: export's lines. Missing DIR: exit 1.",
      "--values: KEY VALUE lines, VALUE as watch prints it (text, or base64:...).",
      "-o table: KEY and LAST_INDEX columns, and VALUE with --values."
    })
final class LsCommand extends ReadCommand implements JsonLines, TableOutput {
  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR")
  String dir = "";

  @Option(names = "--values", description = "Print each key's value after it.")
  boolean values;

  @Override
  int missingStore(KVException missing) {
    Listing.ofMissingStore(dir, missing);
    return ExitCodes.OK;
  }

  @Override
  int run(Store store) {
    List<KVPair> pairs = Listing.list(store, dir);
    if (table()) {
      Table t = values ? new Table("KEY", "LAST_INDEX", "VALUE") : new Table("KEY", "LAST_INDEX");
      for (KVPair p : pairs) {
        if (values) {
          t.row(p.key(), p.lastIndex(), p.value());
        } else {
          t.row(p.key(), p.lastIndex());
        }
      }
      t.print(out());
      return ExitCodes.OK;
    }
    for (KVPair p : pairs) {
      // JSON lines carry the value already
      out()
          .line(
              json()
                  ? Values.exportLine(p)
                  : values ? p.key() + " " + Values.text(p.value()) : p.key());
    }
    return ExitCodes.OK;
  }
}
