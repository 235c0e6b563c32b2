package io.libkv.cli;

import io.libkv.Durations;
import io.libkv.KVException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lock KEY [--ttl D] [--wait D] [--value V] -- CMD ARGS...}: runs CMD while holding the
 * lock, as {@code flock(1)} does, and exits with CMD's status.
 */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    customSynopsis = {
      "libkv lock [-hV] [--json] [--verbose] [--store=URI] [--ttl=D] [--value=V]",
      "                  [--wait=D] KEY -- CMD [ARGS...]"
    },
    description = {
      "Runs CMD while holding the lock on KEY and exits with CMD's status.",
      "CMD gets the lock's fencing token in $LIBKV_FENCING_TOKEN: pass it to what it writes.",
      "Waits forever unless --wait D (timeout: exit 1). SIGINT/SIGTERM are passed to CMD (as SIGTERM).",
      "If the lock is lost while CMD runs, CMD gets SIGTERM and the exit code is 5."
    })
final class LockCommand extends StoreCommand {
  /** The environment variable that gives CMD the lock's fencing token. */
  static final String FENCING_TOKEN_ENV = "LIBKV_FENCING_TOKEN";

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "CMD",
      description = "The command and its arguments, after --.")
  @Nullable List<String> command;

  @Option(
      names = "--ttl",
      paramLabel = "D",
      converter = DurationConverter.class,
      description =
          "How long others wait after this holder dies (default: 15s or the backend's minimum).")
  @Nullable Duration ttl;

  @Option(
      names = "--wait",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "Give up after D (exit 1); default: wait forever.")
  @Nullable Duration waitFor;

  @Option(
      names = "--value",
      paramLabel = "V",
      description = "What the key holds while locked (default host:pid).")
  @Nullable String value;

  @Override
  void prepare() {
    if (command == null || command.isEmpty()) {
      throw CliException.usage("lock needs a command to run: lock KEY -- CMD [ARGS...]");
    }
  }

  private final Object state = new Object();
  private @Nullable ChildCommand child;
  private boolean lost;

  @Override
  int run(Store store) throws Exception {
    List<String> command = Objects.requireNonNull(this.command); // prepare() refused a missing CMD
    LockOptions.Builder options = LockOptions.builder();
    if (ttl != null) {
      options.ttl(ttl);
    }
    if (value != null) {
      options.value(value);
    }
    Lock lock = store.newLock(key, options.build());
    Thread main = Thread.currentThread();
    cli()
        .termination()
        .onStop(
            () -> {
              synchronized (state) {
                if (child != null) {
                  child.terminate(); // SIGTERM; we exit with CMD's status once it ends
                } else {
                  main.interrupt(); // still waiting for the lock
                }
              }
            });
    Optional<LockLease> acquired;
    try {
      acquired = waitFor == null ? Optional.of(lock.lock()) : lock.tryLock(waitFor);
    } catch (InterruptedException e) {
      throw new CliException(
          ExitCodes.FALSE, "lock \"" + key + "\" not acquired: interrupted while waiting");
    }
    if (acquired.isEmpty()) {
      // only tryLock(waitFor) comes back empty
      throw new CliException(
          ExitCodes.FALSE,
          "lock \""
              + key
              + "\" not acquired within "
              + Durations.format(Objects.requireNonNull(waitFor))
              + " [store "
              + store.description()
              + "]");
    }
    LockLease lease = acquired.get();
    int status;
    try {
      synchronized (state) {
        if (cli().termination().stopRequested()) {
          throw new CliException(
              ExitCodes.FALSE,
              "lock \"" + key + "\" acquired, but stopped before running " + command.get(0));
        }
        // the token goes with every write CMD makes, so a data store can refuse a stale holder's
        child =
            ChildCommand.start(
                cli(), command, Map.of(FENCING_TOKEN_ENV, Long.toString(lease.fencingToken())));
      }
      lease
          .lost()
          .thenRun(
              () -> {
                synchronized (state) {
                  lost = true;
                  Objects.requireNonNull(child)
                      .terminate(); // started before the loss is watched, never cleared
                }
              });
      status = child.awaitExit();
      synchronized (state) {
        if (lost) {
          throw new CliException(
              ExitCodes.OTHER,
              "lock \""
                  + key
                  + "\" was lost while "
                  + command.get(0)
                  + " ran; it was sent SIGTERM [store "
                  + store.description()
                  + "]");
        }
      }
    } catch (RuntimeException e) {
      unlockQuietly(lease);
      throw e;
    }
    try {
      lease.close();
    } catch (KVException e) {
      // CMD ran: its status stands; the lock expires with its TTL
      cli()
          .err()
          .println("libkv: unlock failed, the lock expires with its TTL: " + ExitCodes.message(e));
    }
    return status;
  }

  private static void unlockQuietly(LockLease lease) {
    try {
      lease.close();
    } catch (KVException e) {
      // the first failure is the one reported; the lock expires with its TTL
    }
  }
}
