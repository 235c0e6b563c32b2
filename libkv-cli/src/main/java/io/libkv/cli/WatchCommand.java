package io.libkv.cli;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.StoreCorruptedException;
import io.libkv.StoreLockedException;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code watch KEY}, {@code watch -r DIR}: one line per event, flushed at once, until
 * SIGINT/SIGTERM (exit 0); a watch ended by a store error exits 3.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Prints one line per event, flushed at once: TYPE KEY INDEX [VALUE].",
      "TYPE: current, absent, put, delete, resync, reset. First lines: the current state.",
      "-r: one line per changed key; on resync/reset a line 'resync DIR INDEX' (or 'reset ...')",
      "then current lines for the whole set. VALUE: the text if valid UTF-8 without control",
      "characters and not starting with base64:, else base64:... --json: JSON lines.",
      "--from-index N: what happened after index N instead of the current state.",
      "Runs until SIGINT/SIGTERM (exit 0); a store error ends it with exit 3."
    })
final class WatchCommand extends ReadCommand implements JsonLines {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "KEY|DIR",
      description = "With -r, \"\" or / is the root.")
  @Nullable String key;

  @Option(
      names = {"-r", "--recursive"},
      description = "Watch every key below DIR.")
  boolean recursive;

  @Option(
      names = "--from-index",
      paramLabel = "N",
      description =
          "Replay what happened after store index N, then follow (no current-state lines);"
              + " history the backend no longer has gives a resync.")
  @Nullable Long fromIndex;

  @Override
  void prepare() {
    if (key == null) {
      if (!recursive) {
        throw CliException.usage("watch needs a KEY (or -r DIR)");
      }
      key = "";
    }
    if (fromIndex != null && fromIndex <= 0) {
      throw CliException.usage("--from-index must be a positive store index, was " + fromIndex);
    }
    // checked before any wait for the store's file
    if (recursive) {
      Keys.canonicalDirectory(key);
    } else {
      Keys.canonicalKey(key);
    }
  }

  /** A file that does not exist yet: the watch starts once a writer has created it. */
  @Override
  boolean waitsForStore() {
    return true;
  }

  @Override
  int run(Store store) {
    String key = Objects.requireNonNull(this.key); // prepare() gave a missing DIR its ""
    WatchOptions options =
        fromIndex == null ? WatchOptions.DEFAULT : WatchOptions.fromIndex(fromIndex);
    Watch<?> watch = recursive ? store.watchTree(key, options) : store.watch(key, options);
    Thread main = Thread.currentThread();
    cli()
        .termination()
        .onStop(
            () -> {
              watch.close();
              main.interrupt();
            });
    try (watch) {
      Iterator<?> it = watch.iterator();
      while (!cli().termination().stopRequested() && it.hasNext()) {
        Object e = it.next();
        if (cli().termination().stopRequested()) {
          break;
        }
        if (e instanceof KeyEvent) {
          print((KeyEvent) e);
        } else {
          print((TreeEvent) e);
        }
      }
    } catch (KVException e) {
      if (cli().termination().stopRequested()) {
        return ExitCodes.OK;
      }
      throw ended(e);
    }
    Thread.interrupted(); // a stop's interrupt has done its work
    if (cli().termination().stopRequested()) {
      return ExitCodes.OK;
    }
    // the watch ended without a stop and without an error: its store went away
    throw new CliException(
        ExitCodes.UNAVAILABLE, "the watch on \"" + key + "\" ended: its store closed");
  }

  /**
   * A watch ended by the store: exit 3, unless the store itself is broken (5) or the call
   * unsupported (4).
   */
  private static RuntimeException ended(KVException e) {
    int code = ExitCodes.of(e);
    if (code == ExitCodes.OTHER
        && !(e instanceof StoreCorruptedException)
        && !(e instanceof StoreLockedException)) {
      code = ExitCodes.UNAVAILABLE;
    }
    return new CliException(code, e.getMessage(), e);
  }

  private void print(KeyEvent e) {
    switch (e.type()) {
      case RESYNC:
      case RESET:
        line(e.type(), e.key(), e.index(), null);
        if (e.exists()) {
          KVPair p = e.pair().orElseThrow();
          line(EventType.CURRENT, p.key(), p.lastIndex(), p.value());
        } else {
          line(EventType.ABSENT, e.key(), e.index(), null);
        }
        break;
      case CURRENT:
      case PUT:
        KVPair p = e.pair().orElseThrow();
        line(e.type(), p.key(), p.lastIndex(), p.value());
        break;
      default:
        line(e.type(), e.key(), e.index(), null);
    }
  }

  private void print(TreeEvent e) {
    String dir = e.directory();
    switch (e.type()) {
      case CURRENT:
        currents(e);
        break;
      case ABSENT:
        line(EventType.ABSENT, dirName(dir), e.index(), null);
        break;
      case RESYNC:
      case RESET:
        line(e.type(), dirName(dir), e.index(), null);
        currents(e);
        break;
      default:
        for (TreeEvent.Change c : e.changes()) {
          if (c.type() == EventType.PUT) {
            KVPair p = c.pair().orElseThrow();
            line(EventType.PUT, p.key(), p.lastIndex(), p.value());
          } else {
            line(EventType.DELETE, c.key(), e.index(), null);
          }
        }
    }
  }

  private void currents(TreeEvent e) {
    for (KVPair p : e.pairs()) {
      line(EventType.CURRENT, p.key(), p.lastIndex(), p.value());
    }
  }

  /** The root is shown as {@code /}, so every line has its KEY field. */
  private static String dirName(String canonicalDir) {
    return canonicalDir.isEmpty() ? "/" : canonicalDir;
  }

  private void line(EventType type, String key, long index, byte @Nullable [] value) {
    String t = type.name().toLowerCase(Locale.ROOT);
    String s;
    if (json()) {
      Json.ObjectWriter w = Json.object().field("type", t).field("key", key).field("index", index);
      if (value != null) {
        w.field("value", Values.base64(value));
      }
      s = w.toString();
    } else {
      s = t + " " + key + " " + index + (value == null ? "" : " " + Values.text(value));
    }
    out().lineNow(s);
  }
}
