package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code export [DIR]}: JSON lines {@code {"key","value"(base64),"lastIndex"}} sorted by key.
 *
 * <p>docs/cli.md asks that ephemeral keys be exported as plain keys with a {@code "ttl"} field. The
 * Store API does not tell a key's TTL yet, so no line has {@code "ttl"} for now; every key is
 * exported as a plain key.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Prints every key below DIR (default: the root) as JSON lines",
      "{\"key\",\"value\"(base64),\"lastIndex\"}, sorted by key. Missing DIR: exit 1."
    })
final class ExportCommand extends ReadCommand implements JsonLines {
  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR")
  String dir = "";

  @Override
  int missingStore(KVException missing) {
    Listing.ofMissingStore(dir, missing);
    return ExitCodes.OK;
  }

  @Override
  int run(Store store) {
    for (KVPair p : Listing.list(store, dir)) {
      out().line(Values.exportLine(p));
    }
    return ExitCodes.OK;
  }
}
