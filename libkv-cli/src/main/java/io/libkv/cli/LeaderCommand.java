package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.recipes.election.Follower;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code leader KEY [-w]}: the leader's NODE; no leader: exit 1 and no output. With {@code -w} one
 * line per change (an empty line while there is none) until SIGINT/SIGTERM.
 */
@Command(
    name = "leader",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the NODE leading election KEY. No leader: exit 1, no output.",
      "-w: one line per change, an empty line when there is no leader; runs until SIGINT/SIGTERM."
    })
final class LeaderCommand extends ReadCommand implements JsonLines, TableOutput {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Option(
      names = {"-w", "--watch"},
      description = "Print the leader at each change until stopped.")
  boolean watch;

  @Override
  public boolean printsTable() {
    return !watch;
  }

  @Override
  boolean waitsForStore() {
    return watch;
  }

  @Override
  int missingStore(KVException missing) {
    Keys.canonicalKey(key);
    throw CliException.quiet(
        ExitCodes.FALSE, "no leader for \"" + key + "\": the store's file does not exist");
  }

  @Override
  int run(Store store) throws InterruptedException {
    if (!watch) {
      try {
        // the election key holds exactly the leader's NODE
        String node = new String(store.get(key).value(), StandardCharsets.UTF_8);
        if (table()) {
          new Table("KEY", "LEADER").row(Keys.canonicalKey(key), node).print(out());
        } else {
          out().line(line(Optional.of(node)));
        }
        return ExitCodes.OK;
      } catch (KeyNotFoundException e) {
        throw CliException.quiet(ExitCodes.FALSE, "no leader for \"" + key + "\"");
      }
    }
    CountDownLatch stop = new CountDownLatch(1);
    cli().termination().onStop(stop::countDown);
    Follower f =
        Follower.start(
            store,
            key,
            leader -> out().lineNow(line(leader)),
            e -> cli().debug("following \"" + key + "\": " + ExitCodes.message(e)),
            Runnable::run);
    try {
      stop.await();
    } finally {
      f.close();
    }
    return ExitCodes.OK;
  }

  /** The leader's NODE; with --json {"key","leader"}, leader left out when there is none. */
  private String line(Optional<String> leader) {
    if (!json()) {
      return leader.orElse("");
    }
    Json.ObjectWriter w = Json.object().field("key", Keys.canonicalKey(key));
    leader.ifPresent(l -> w.field("leader", l));
    return w.toString();
  }
}
