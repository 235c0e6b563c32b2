package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.Keys;
import io.libkv.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code exists KEY}: exit 0 if the key exists, 1 if not; prints nothing. */
@Command(
    name = "exists",
    mixinStandardHelpOptions = true,
    description =
        "Exit 0 if the key exists, 1 if not (a directory that only holds keys is not a key).")
final class ExistsCommand extends ReadCommand {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Override
  int missingStore(KVException missing) {
    Keys.canonicalKey(key); // an invalid key is still an error
    return ExitCodes.FALSE;
  }

  @Override
  int run(Store store) {
    return store.exists(key) ? ExitCodes.OK : ExitCodes.FALSE;
  }
}
