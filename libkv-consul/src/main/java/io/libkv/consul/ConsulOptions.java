package io.libkv.consul;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.consul.internal.ConsulStore;
import io.libkv.consul.internal.ConsulStoreProvider;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreLocation;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The typed entry point of the {@code consul:} backend, for code that builds stores without a URI
 * (dependency injection), and its own settings (URI parameters {@code datacenter}, {@code
 * sessionTtlMin}): immutable, each setting checked when given, the whole by {@link
 * Builder#build()}, with the checks a URI gets.
 *
 * <pre>{@code
 * Store store = ConsulOptions.builder().endpoints("127.0.0.1:8500").datacenter("dc1").build().open();
 * }</pre>
 */
public final class ConsulOptions {
  /** The Consul agent's default {@code session_ttl_min}. */
  public static final Duration DEFAULT_SESSION_TTL_MIN = Duration.ofSeconds(10);

  private final List<String> endpoints;
  private final @Nullable String datacenter;
  private final Duration sessionTtlMin;
  private final StoreConfig config;

  private ConsulOptions(Builder b) {
    endpoints = b.endpoints;
    datacenter = b.datacenter;
    sessionTtlMin = b.sessionTtlMin;
    config = b.config;
  }

  /** A builder with every default; endpoints are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The agents, {@code host:port} each. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The datacenter, if not the agent's own. */
  public Optional<String> datacenter() {
    return Optional.ofNullable(datacenter);
  }

  /** The agent's {@code session_ttl_min}, the floor of session TTLs. */
  public Duration sessionTtlMin() {
    return sessionTtlMin;
  }

  /** The shared settings (TLS when {@code config().tls()}, as {@code consuls:}). */
  public StoreConfig config() {
    return config;
  }

  /** Opens the store, as {@code LibKV.open("consul://...")} would with these options. */
  public Store open() {
    return ConsulStore.open(
        StoreLocation.of("consul", endpoints, ""),
        config,
        this,
        ConsulStoreProvider.DEFAULT_WATCH_WAIT);
  }

  /** Builds {@link ConsulOptions}. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private @Nullable String datacenter;
    private Duration sessionTtlMin = DEFAULT_SESSION_TTL_MIN;
    private StoreConfig config = StoreConfig.DEFAULT;

    private Builder() {}

    /** The agents (required), {@code host:port} each. */
    public Builder endpoints(String... hostPorts) {
      endpoints = StoreLocation.checkEndpoints(Arrays.asList(hostPorts));
      return this;
    }

    /** The datacenter; URI parameter {@code datacenter}. */
    public Builder datacenter(String dc) {
      datacenter = OwnParameters.nonEmpty("datacenter", dc);
      return this;
    }

    /** The agent's {@code session_ttl_min} (default 10 s); URI parameter {@code sessionTtlMin}. */
    public Builder sessionTtlMin(Duration d) {
      sessionTtlMin = OwnParameters.positive("sessionTtlMin", d);
      return this;
    }

    /** The shared settings (default {@link StoreConfig#DEFAULT}). */
    public Builder config(StoreConfig c) {
      config = Objects.requireNonNull(c, "config");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if no endpoint is given, or naming each setting of the
     *     configuration that cannot take effect on Consul
     */
    public ConsulOptions build() {
      StoreLocation.checkEndpoints(endpoints);
      OwnParameters.requireApplicable(config, new ConsulStoreProvider(), "consul");
      return new ConsulOptions(this);
    }
  }
}
