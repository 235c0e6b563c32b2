package io.libkv.consul.internal;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.consul.ConsulOptions;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.ServerSignature;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.spi.UriOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code consul:} backend: {@code consul://HOST:PORT[,HOST:PORT...][/prefix]} ({@code
 * consuls://} for TLS), found through {@link java.util.ServiceLoader}. Parameters: {@code
 * connectTimeout}, {@code timeout}, {@code tls}, {@code ca}, {@code cert}, {@code key}, {@code
 * tokenFile} (the ACL token, sent as {@code X-Consul-Token}), {@code datacenter}, {@code
 * sessionTtlMin} (the agent's {@code session_ttl_min}, 10s by default) and {@code maxValueBytes}
 * (the agent's {@code kv_max_value_size}, 512 KiB by default).
 */
public final class ConsulStoreProvider implements StoreProvider {
  private static final OwnParameters<ConsulOptions.Builder> OWN =
      OwnParameters.<ConsulOptions.Builder>none()
          .with("datacenter", ConsulOptions.Builder::datacenter)
          .with("sessionTtlMin", (b, v) -> b.sessionTtlMin(OwnParameters.duration(v)));

  /** How long a blocking query waits on the agent before it is sent again. */
  public static final Duration DEFAULT_WATCH_WAIT = Duration.ofMinutes(1);

  // the agent's API is plain HTTP/1: an HTTP/1 answer no other backend claims may be an agent
  private static final ServerSignature SIGNATURE =
      new ServerSignature(
          "Consul",
          "a Consul agent",
          Optional.empty(),
          Pattern.compile("^HTTP/1\\."),
          "consul://",
          "consuls://",
          true);

  /** Made by {@link java.util.ServiceLoader}. */
  public ConsulStoreProvider() {}

  @Override
  public String name() {
    return "consul";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("consul", "consuls");
  }

  @Override
  public Set<String> tlsSchemes() {
    return Set.of("consuls");
  }

  @Override
  public Set<String> parameters() {
    return Set.of(
        "connectTimeout",
        "timeout",
        "tls",
        "ca",
        "cert",
        "key",
        "tokenFile",
        "datacenter",
        "sessionTtlMin",
        "maxValueBytes");
  }

  @Override
  public Set<String> ownParameters() {
    return OWN.names();
  }

  @Override
  public String example() {
    return "consul://127.0.0.1:8500";
  }

  @Override
  public Optional<ServerSignature> serverSignature() {
    return Optional.of(SIGNATURE);
  }

  @Override
  public UriOptions uriOptions() {
    return OWN.reader(ConsulOptions.builder(), ConsulStoreProvider::open);
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    return open(ConsulOptions.builder(), location, config);
  }

  private static Store open(
      ConsulOptions.Builder options, StoreLocation location, StoreConfig config) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(config, "config");
    return ConsulStore.open(
        location,
        config,
        options.endpoints(location.endpoints().toArray(new String[0])).config(config).build(),
        DEFAULT_WATCH_WAIT);
  }
}
