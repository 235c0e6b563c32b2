package io.libkv.zookeeper;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreLocation;
import io.libkv.zookeeper.internal.ZooKeeperStore;
import io.libkv.zookeeper.internal.ZooKeeperStoreProvider;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The typed entry point of the ZooKeeper backend, for code that builds stores without a URI
 * (dependency injection), and its own settings (URI parameters {@code sessionTimeout}, {@code
 * containerCheckInterval}): immutable, each setting checked when given, the whole by {@link
 * Builder#build()}, with the checks a URI gets. The chroot is {@code config().prefix()}.
 *
 * <pre>{@code
 * Store store = ZooKeeperOptions.builder().endpoints("127.0.0.1:2181")
 *     .sessionTimeout(Duration.ofSeconds(5)).build().open();
 * }</pre>
 */
public final class ZooKeeperOptions {
  /** ZooKeeper's default session timeout. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

  /** The ZooKeeper server's default TTL-node sweep interval. */
  public static final Duration DEFAULT_CONTAINER_CHECK_INTERVAL = Duration.ofSeconds(60);

  private final List<String> endpoints;
  private final Duration sessionTimeout;
  private final Duration containerCheckInterval;
  private final StoreConfig config;

  private ZooKeeperOptions(Builder b) {
    endpoints = b.endpoints;
    sessionTimeout = b.sessionTimeout;
    containerCheckInterval = b.containerCheckInterval;
    config = b.config;
  }

  /** A builder with every default; endpoints are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The servers, {@code host:port} each. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The session timeout asked of the server. */
  public Duration sessionTimeout() {
    return sessionTimeout;
  }

  /** The server's TTL-node sweep interval, which bounds how late an expiring key goes. */
  public Duration containerCheckInterval() {
    return containerCheckInterval;
  }

  /** The shared settings. */
  public StoreConfig config() {
    return config;
  }

  /** Opens the store, as {@code LibKV.open("zk://...")} would with these options. */
  public Store open() {
    return ZooKeeperStore.open("zk", endpoints, config, this);
  }

  /** Builds {@link ZooKeeperOptions}. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private Duration containerCheckInterval = DEFAULT_CONTAINER_CHECK_INTERVAL;
    private StoreConfig config = StoreConfig.DEFAULT;

    private Builder() {}

    /** The servers (required), {@code host:port} each. */
    public Builder endpoints(String... hostPorts) {
      endpoints = StoreLocation.checkEndpoints(Arrays.asList(hostPorts));
      return this;
    }

    /** The session timeout (default 10 s); URI parameter {@code sessionTimeout}. */
    public Builder sessionTimeout(Duration d) {
      sessionTimeout = OwnParameters.positive("sessionTimeout", d);
      return this;
    }

    /**
     * The server's TTL-node sweep interval (default 60 s); URI parameter {@code
     * containerCheckInterval}.
     */
    public Builder containerCheckInterval(Duration d) {
      containerCheckInterval = OwnParameters.positive("containerCheckInterval", d);
      return this;
    }

    /** The shared settings (default {@link StoreConfig#DEFAULT}); the chroot is its prefix. */
    public Builder config(StoreConfig c) {
      config = Objects.requireNonNull(c, "config");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if no endpoint is given, or naming each setting of the
     *     configuration that cannot take effect on ZooKeeper
     */
    public ZooKeeperOptions build() {
      StoreLocation.checkEndpoints(endpoints);
      OwnParameters.requireApplicable(config, new ZooKeeperStoreProvider(), "zk");
      return new ZooKeeperOptions(this);
    }
  }
}
