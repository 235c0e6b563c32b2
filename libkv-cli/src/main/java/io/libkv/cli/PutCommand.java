package io.libkv.cli;

import io.libkv.ConnectionState;
import io.libkv.KVPair;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Store;
import io.libkv.Subscription;
import io.libkv.WriteOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code put KEY VALUE|-|--file F|--base64 B64 [--ttl D [--keep-alive]]}: a plain or expiring key
 * (exits at once), or with {@code --keep-alive} an ephemeral key held until SIGINT/SIGTERM.
 */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a key. Prints nothing, except with --keep-alive: the new index, once written.",
      "--ttl D alone: an expiring key, removed D after this write; the command exits at once.",
      "--ttl D --keep-alive: an ephemeral key, held until SIGINT/SIGTERM remove it (exit 0)."
    })
final class PutCommand extends StoreCommand implements JsonLines {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "VALUE",
      description = "The value as text; - reads stdin (binary-safe).")
  @Nullable String value;

  @Option(names = "--file", paramLabel = "F", description = "Read the value from a file.")
  @Nullable Path file;

  @Option(names = "--base64", paramLabel = "B64", description = "The value in base64.")
  @Nullable String base64;

  @Option(
      names = "--ttl",
      paramLabel = "D",
      converter = DurationConverter.class,
      description = "A TTL: expiring key, or ephemeral with --keep-alive.")
  @Nullable Duration ttl;

  @Option(
      names = "--keep-alive",
      description = "Stay up holding an ephemeral key until SIGINT/SIGTERM.")
  boolean keepAlive;

  private byte[] bytes = new byte[0];

  /** Only an ephemeral key's index is printed. */
  @Override
  public boolean printsJson() {
    return keepAlive;
  }

  @Override
  void prepare() {
    if (keepAlive && ttl == null) {
      throw CliException.usage("--keep-alive needs --ttl D");
    }
    bytes = ValueInput.read(cli(), value, file, base64);
  }

  @Override
  int run(Store store) throws InterruptedException {
    if (ttl == null) {
      store.put(key, bytes);
      return ExitCodes.OK;
    }
    if (!keepAlive) {
      store.put(key, bytes, WriteOptions.expiring(ttl));
      return ExitCodes.OK;
    }
    CountDownLatch stop = new CountDownLatch(1);
    AtomicBoolean lost = new AtomicBoolean();
    cli().termination().onStop(stop::countDown);
    // a lost session takes the ephemeral key with it: say so rather than hold nothing
    Subscription session =
        store.onConnectionStateChange(
            state -> {
              if (state == ConnectionState.LOST) {
                lost.set(true);
                stop.countDown();
              }
            },
            Runnable::run);
    try {
      KVPair written = putReturningPair(store, key, bytes, WriteOptions.ephemeral(ttl));
      out()
          .lineNow(
              json()
                  ? Json.object()
                      .field("key", written.key())
                      .field("lastIndex", written.lastIndex())
                      .toString()
                  : Long.toString(written.lastIndex()));
      // the store keeps the key alive until it is closed, which removes it
      stop.await();
    } finally {
      session.close();
    }
    if (lost.get() && !cli().termination().stopRequested()) {
      throw new CliException(
          ExitCodes.OTHER,
          "the ephemeral key \""
              + key
              + "\" was lost with its session [store "
              + store.description()
              + "]");
    }
    return ExitCodes.OK;
  }

  /**
   * A put that tells the index it wrote: {@code Store.put} returns nothing, and a read after it
   * could see another writer's index, so write by compare-and-set against what is there.
   */
  static KVPair putReturningPair(Store store, String key, byte[] bytes, WriteOptions options) {
    while (true) {
      KVPair previous;
      try {
        previous = store.get(key);
      } catch (KeyNotFoundException e) {
        previous = null;
      }
      try {
        return store.atomicPut(key, bytes, previous, options);
      } catch (KeyExistsException | KeyModifiedException | KeyNotFoundException e) {
        // another writer came in between: read again
        Thread.onSpinWait();
      }
    }
  }
}
