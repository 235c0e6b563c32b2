package io.libkv.cli;

import io.libkv.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rm KEY}, {@code rm -r DIR}: a missing key is no error. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Deletes a key, or with -r a directory and everything below it (never the root).",
      "A missing key is no error."
    })
final class RmCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Option(
      names = {"-r", "--recursive"},
      description = "Delete DIR and every key below it.")
  boolean recursive;

  @Override
  int run(Store store) {
    if (recursive) {
      store.deleteTree(key);
    } else {
      store.delete(key);
    }
    return ExitCodes.OK;
  }
}
