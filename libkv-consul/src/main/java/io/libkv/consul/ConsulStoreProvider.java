package io.libkv.consul;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code consul:} backend: {@code consul://HOST:PORT[,HOST:PORT...][/prefix]} ({@code
 * consuls://} for TLS), found through {@link java.util.ServiceLoader}. Parameters: {@code
 * connectTimeout}, {@code timeout}, {@code tls}, {@code ca}, {@code cert}, {@code key}, {@code
 * tokenFile} (the ACL token, sent as {@code X-Consul-Token}), {@code datacenter}, {@code
 * sessionTtlMin} (the agent's {@code session_ttl_min}, 10s by default) and {@code maxValueBytes}
 * (the agent's {@code kv_max_value_size}, 512 KiB by default).
 */
public final class ConsulStoreProvider implements StoreProvider {
  /** How long a blocking query waits on the agent before it is sent again. */
  static final Duration DEFAULT_WATCH_WAIT = Duration.ofMinutes(1);

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
    return Set.of("connectTimeout", "timeout", "tls", "ca", "cert", "key", "tokenFile", "datacenter",
        "sessionTtlMin", "maxValueBytes");
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(config, "config");
    return ConsulStore.open(location, config, DEFAULT_WATCH_WAIT);
  }
}
