package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code get KEY}: the exact value bytes, no added newline; {@code --json}: key, base64 value,
 * index.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a key's value: the exact bytes, no newline added.",
      "--json: {\"key\",\"value\"(base64),\"lastIndex\"}. Missing key: exit 1, empty stdout.",
      "-o table: KEY, LAST_INDEX and VALUE (as watch prints it: text, or base64:...)."
    })
final class GetCommand extends ReadCommand implements JsonLines, TableOutput {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Override
  int missingStore(KVException missing) {
    throw new KeyNotFoundException(
        "key not found: the store's file does not exist",
        Keys.canonicalKey(key),
        missing.store().orElse(null),
        null);
  }

  @Override
  int run(Store store) {
    KVPair p = store.get(key);
    if (json()) {
      out().line(Values.exportLine(p));
    } else if (table()) {
      new Table("KEY", "LAST_INDEX", "VALUE").row(p.key(), p.lastIndex(), p.value()).print(out());
    } else {
      out().bytes(p.value());
    }
    return ExitCodes.OK;
  }
}
