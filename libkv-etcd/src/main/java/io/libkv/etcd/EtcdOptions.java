package io.libkv.etcd;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.etcd.internal.EtcdStoreProvider;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreLocation;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The typed entry point of the etcd backend, for code that builds stores without a URI (dependency
 * injection): immutable, checked by {@link Builder#build()} as a URI is. etcd has no settings of
 * its own: everything is in the shared {@link StoreConfig} (TLS when {@code config().tls()}, as
 * {@code etcds:}).
 *
 * <pre>{@code
 * Store store = EtcdOptions.builder().endpoints("127.0.0.1:2379")
 *     .config(StoreConfig.builder().operationTimeout(Duration.ofSeconds(5)).build()).build().open();
 * }</pre>
 */
public final class EtcdOptions {
  private final List<String> endpoints;
  private final StoreConfig config;

  private EtcdOptions(Builder b) {
    endpoints = b.endpoints;
    config = b.config;
  }

  /** A builder; endpoints are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The members, {@code host[:port]} each (port 2379 by default). */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The shared settings. */
  public StoreConfig config() {
    return config;
  }

  /** Opens the store, as {@code LibKV.open("etcd://...")} would with these options. */
  public Store open() {
    return new EtcdStoreProvider().open(StoreLocation.of("etcd", endpoints, ""), config);
  }

  /** Builds {@link EtcdOptions}. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private StoreConfig config = StoreConfig.DEFAULT;

    private Builder() {}

    /** The members (required), {@code host[:port]} each. */
    public Builder endpoints(String... hostPorts) {
      endpoints = StoreLocation.checkEndpoints(Arrays.asList(hostPorts));
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
     *     configuration that cannot take effect on etcd
     */
    public EtcdOptions build() {
      StoreLocation.checkEndpoints(endpoints);
      OwnParameters.requireApplicable(config, new EtcdStoreProvider(), "etcd");
      return new EtcdOptions(this);
    }
  }
}
