package io.libkv.cli;

import io.libkv.Durations;
import io.libkv.Store;
import io.libkv.recipes.discovery.Member;
import io.libkv.recipes.discovery.ServiceRegistration;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code register SERVICE ID ADDR [--meta JSON] [--ttl D]}: keeps member {@code SERVICE/ID} ({@code
 * {"id","address","meta"}}, ephemeral) registered until SIGINT/SIGTERM deregister it.
 */
@Command(
    name = "register",
    mixinStandardHelpOptions = true,
    description = {
      "Registers member ID of SERVICE at ADDR ({\"id\",\"address\",\"meta\"} at SERVICE/ID)",
      "and keeps it registered until SIGINT/SIGTERM (exit 0); a killed process's member goes within its TTL."
    })
final class RegisterCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "SERVICE")
  String service;

  @Parameters(index = "1", paramLabel = "ID")
  String id;

  @Parameters(index = "2", paramLabel = "ADDR")
  String address;

  @Option(
      names = "--meta",
      paramLabel = "JSON",
      description = "Metadata: a JSON object (default {}).")
  String meta = "{}";

  @Option(
      names = "--ttl",
      paramLabel = "D",
      converter = DurationConverter.class,
      description =
          "How long the member outlives a killed process (default: 15s or the backend's minimum).")
  @Nullable Duration ttl;

  @Override
  void prepare() {
    if (address.isEmpty()) {
      throw CliException.usage("register needs a non-empty ADDR");
    }
    // bad JSON is invalid input: found before the store is opened
    Member.of(id, address, meta);
  }

  @Override
  int run(Store store) throws InterruptedException {
    ServiceRegistration.Builder b =
        ServiceRegistration.builder(store, service, id)
            .address(address)
            .metadataJson(meta)
            .errors(
                e ->
                    cli()
                        .debug("registration " + service + "/" + id + ": " + ExitCodes.message(e)));
    if (ttl != null) {
      // checked a few times per TTL, so a lost registration comes back well within it
      Duration beat = ttl.dividedBy(3);
      b.ttl(ttl).heartbeat(beat.isZero() ? ttl : beat);
    }
    CountDownLatch stop = new CountDownLatch(1);
    cli().termination().onStop(stop::countDown);
    try (ServiceRegistration r = b.register()) {
      cli().debug("registered " + r.key() + " with TTL " + Durations.format(r.ttl()));
      stop.await();
    }
    return ExitCodes.OK;
  }
}
