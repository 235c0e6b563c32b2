package io.libkv.cli;

import io.libkv.Store;
import io.libkv.recipes.election.Candidate;
import io.libkv.recipes.election.Leadership;
import io.libkv.recipes.election.LeadershipListener;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code elect KEY NODE [--ttl D] [-- CMD ARGS...]}: runs for leadership until SIGINT/SIGTERM,
 * printing {@code elected TERM} / {@code deposed TERM}; with CMD, runs CMD only while leader.
 *
 * <p>CMD starts on each {@code elected} and gets SIGTERM on {@code deposed} (this node keeps
 * running and starts it again when elected again). When CMD ends on its own, the node resigns and
 * exits with CMD's status, as {@code lock} does. On SIGINT/SIGTERM a running CMD gets SIGTERM, the
 * node resigns, and the exit code is CMD's status if CMD ever ran, else 0.
 */
@Command(
    name = "elect",
    mixinStandardHelpOptions = true,
    description = {
      "Runs for leadership of KEY as NODE (the key holds exactly NODE while it leads).",
      "Prints 'elected TERM' and 'deposed TERM' lines; runs until SIGINT/SIGTERM (resigns, exit 0).",
      "-- CMD ARGS...: runs CMD only while leader (SIGTERM on deposed); when CMD ends by itself,",
      "resigns and exits with CMD's status."
    })
final class ElectCommand extends StoreCommand implements JsonLines {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(index = "1", paramLabel = "NODE")
  String node;

  @Parameters(
      index = "2..*",
      arity = "0..*",
      paramLabel = "CMD",
      description = "A command to run while leader, after --.")
  @Nullable List<String> command;

  @Option(
      names = "--ttl",
      paramLabel = "D",
      converter = DurationConverter.class,
      description =
          "How long others wait after this leader dies (default: 15s or the backend's minimum).")
  @Nullable Duration ttl;

  private final Object state = new Object();
  private final CountDownLatch done = new CountDownLatch(1);
  private @Nullable ChildCommand child;
  private @Nullable Integer status;
  private @Nullable Leadership leading;
  private boolean finished;

  @Override
  void prepare() {
    if (node.isEmpty()) {
      throw CliException.usage("elect needs a non-empty NODE");
    }
  }

  @Override
  int run(Store store) throws InterruptedException {
    // one thread for the listener: deposed may wait for CMD to end before the next elected
    ExecutorService listenerThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "libkv-elect-listener");
              t.setDaemon(true);
              return t;
            });
    Candidate.Builder b =
        Candidate.builder(store, key, node).listener(new Listener(), listenerThread);
    if (ttl != null) {
      b.ttl(ttl);
    }
    cli().termination().onStop(done::countDown);
    try {
      // validates the key and TTL before anything is written
      Candidate candidate = b.start();
      try {
        done.await();
      } finally {
        candidate.close(); // resigns
      }
      // close() waits only so long for its listener: report a term it left unreported ourselves
      Leadership unreported;
      synchronized (state) {
        finished = true;
        unreported = leading;
      }
      if (unreported != null) {
        deposed(unreported);
      }
    } finally {
      listenerThread.shutdown();
    }
    synchronized (state) {
      return status == null ? ExitCodes.OK : status;
    }
  }

  /** Prints the terms and runs CMD while leader. */
  private final class Listener implements LeadershipListener {
    @Override
    public void elected(Leadership term) {
      synchronized (state) {
        if (finished) {
          return;
        }
        leading = term;
        out().lineNow(termLine("elected", term));
      }
      if (command == null || command.isEmpty()) {
        return;
      }
      ChildCommand c;
      synchronized (state) {
        if (done.getCount() == 0) {
          return; // stopping: do not start CMD again
        }
        c = ChildCommand.start(cli(), command);
        child = c;
      }
      Thread watcher =
          new Thread(
              () -> {
                int s = c.awaitExit();
                synchronized (state) {
                  status = s;
                  if (child == c) {
                    // CMD ended on its own (deposed takes it away before stopping it): resign and
                    // exit with its status
                    done.countDown();
                  }
                }
              },
              "libkv-elect-cmd");
      watcher.setDaemon(true);
      watcher.start();
    }

    @Override
    public void deposed(Leadership term) {
      ElectCommand.this.deposed(term);
    }
  }

  private String termLine(String type, Leadership term) {
    return json()
        ? Json.object().field("type", type).field("term", term.term()).toString()
        : type + " " + term.term();
  }

  /**
   * Reports the end of a term once, and stops CMD; CMD must be gone before this node could lead
   * again.
   */
  private void deposed(Leadership term) {
    ChildCommand c;
    synchronized (state) {
      if (!Objects.equals(term, leading)) {
        return; // already reported
      }
      leading = null;
      out().lineNow(termLine("deposed", term));
      c = child;
      child = null;
    }
    if (c != null) {
      c.terminate();
      int s = c.awaitExit();
      synchronized (state) {
        status = s;
      }
    }
  }
}
