package io.libkv.cli;

import io.libkv.Durations;
import io.libkv.KVException;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.recipes.discovery.Member;
import io.libkv.recipes.discovery.ServiceMembers;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code members SERVICE [-w]}: {@code ID ADDR} lines sorted by ID; with {@code -w} the full set
 * after each change, each set ended by a line holding only {@code .}, until SIGINT/SIGTERM.
 */
@Command(
    name = "members",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the members of SERVICE as 'ID ADDR' lines, sorted by ID.",
      "-w: the full set after each change, each set ended by a line '.'; runs until SIGINT/SIGTERM."
    })
final class MembersCommand extends ReadCommand implements JsonLines, TableOutput {
  /** How long the one-shot listing waits for its first read. */
  private static final Duration FIRST_READ = Duration.ofSeconds(30);

  @Parameters(index = "0", paramLabel = "SERVICE")
  String service;

  @Option(
      names = {"-w", "--watch"},
      description = "Print the full set after each change until stopped.")
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
    Keys.canonicalDirectory(service);
    if (table()) {
      new Table("ID", "ADDRESS").print(out());
    }
    return ExitCodes.OK; // no members
  }

  @Override
  int run(Store store) throws InterruptedException {
    // one reading of member records for both forms: the recipe's
    if (!watch) {
      try (ServiceMembers m = ServiceMembers.watch(store, service, c -> {}, Runnable::run)) {
        if (!m.awaitInitialized(FIRST_READ)) {
          throw new CliException(
              ExitCodes.UNAVAILABLE,
              "members of \""
                  + service
                  + "\" not read within "
                  + Durations.format(FIRST_READ)
                  + " [store "
                  + store.description()
                  + "]");
        }
        print(m.members(), false);
      }
      return ExitCodes.OK;
    }
    CountDownLatch stop = new CountDownLatch(1);
    cli().termination().onStop(stop::countDown);
    ServiceMembers m =
        ServiceMembers.watch(
            store,
            service,
            c -> print(c.members(), true),
            e -> cli().debug("members of \"" + service + "\": " + ExitCodes.message(e)),
            Runnable::run);
    try {
      stop.await();
    } finally {
      m.close();
    }
    return ExitCodes.OK;
  }

  private void print(SortedMap<String, Member> members, boolean set) {
    if (table()) {
      Table t = new Table("ID", "ADDRESS");
      members.forEach((id, m) -> t.row(id, m.address()));
      t.print(out());
      return;
    }
    for (Map.Entry<String, Member> e : members.entrySet()) {
      out()
          .line(
              json()
                  ? Json.object()
                      .field("id", e.getKey())
                      .field("address", e.getValue().address())
                      .toString()
                  : e.getKey() + " " + e.getValue().address());
    }
    if (set) {
      // JSON lines end a set with its size, as a line of its own
      out().lineNow(json() ? Json.object().field("members", members.size()).toString() : ".");
    }
  }
}
