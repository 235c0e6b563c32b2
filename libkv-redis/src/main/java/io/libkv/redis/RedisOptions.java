package io.libkv.redis;

import io.libkv.Durations;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.redis.internal.RedisStoreProvider;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreLocation;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The typed entry point of the Redis backend, for code that builds stores without a URI (dependency
 * injection): immutable, checked by {@link Builder#build()} as a URI is. The shared settings
 * (timeouts, TLS, user and password, key prefix) are in {@link StoreConfig}; Redis's own are here,
 * each also a URI parameter of the same name.
 *
 * <pre>{@code
 * Store store = RedisOptions.builder().endpoints("127.0.0.1:6379").database(2)
 *     .config(StoreConfig.builder().prefix("app").build()).build().open();
 * }</pre>
 */
public final class RedisOptions {
  /** How many changes the store's stream keeps for watches that resume, by default. */
  public static final long DEFAULT_STREAM_LENGTH = 10_000;

  private final List<String> endpoints;
  private final StoreConfig config;
  private final int database;
  private final @Nullable String sentinel;
  private final boolean cluster;
  private final long streamLength;
  private final int waitReplicas;
  private final Duration waitTimeout;

  private RedisOptions(Builder b) {
    endpoints = b.endpoints;
    config = b.config;
    database = b.database;
    sentinel = b.sentinel;
    cluster = b.cluster;
    streamLength = b.streamLength;
    waitReplicas = b.waitReplicas;
    waitTimeout = b.waitTimeout;
  }

  /** A builder; endpoints are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The servers, {@code host[:port]} each (port 6379, or 26379 for sentinels): one server, the
   * sentinels with {@link #sentinel()}, or seed nodes with {@link #cluster()}.
   */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The shared settings. */
  public StoreConfig config() {
    return config;
  }

  /** The database number (URI parameter {@code database}, default 0); not in Cluster mode. */
  public int database() {
    return database;
  }

  /**
   * The master name the sentinels monitor (URI parameter {@code sentinel}), when the endpoints are
   * sentinels.
   */
  public Optional<String> sentinel() {
    return Optional.ofNullable(sentinel);
  }

  /** Whether the endpoints are nodes of a Redis Cluster (URI parameter {@code cluster}). */
  public boolean cluster() {
    return cluster;
  }

  /**
   * How many changes the store's change stream keeps (URI parameter {@code streamLength}, default
   * {@value #DEFAULT_STREAM_LENGTH}): a watch resuming from further back re-reads and delivers
   * {@code RESYNC}. Every open store of the same prefix must use the same length, since each write
   * trims the stream to its own.
   */
  public long streamLength() {
    return streamLength;
  }

  /**
   * How many replicas must have each write before it is acknowledged (URI parameter {@code
   * waitReplicas}, default 0: acknowledged when the primary applied it). Redis replicates
   * asynchronously; with N &gt; 0 every write is followed by {@code WAIT N waitTimeout}, and a
   * write that fewer replicas confirmed in time raises {@code UnknownOutcomeException} (it is
   * applied on the primary and may be lost by a failover).
   */
  public int waitReplicas() {
    return waitReplicas;
  }

  /**
   * How long a write waits for {@link #waitReplicas()} replicas (URI parameter {@code
   * waitTimeout}).
   */
  public Duration waitTimeout() {
    return waitTimeout;
  }

  /** Opens the store, as {@code LibKV.open("redis://...")} would with these options. */
  public Store open() {
    return RedisStoreProvider.open(this, StoreLocation.of("redis", endpoints, ""));
  }

  @Override
  public String toString() {
    return "RedisOptions{endpoints="
        + endpoints
        + ", database="
        + database
        + (sentinel != null ? ", sentinel=" + sentinel : "")
        + (cluster ? ", cluster" : "")
        + ", streamLength="
        + streamLength
        + (waitReplicas > 0
            ? ", waitReplicas=" + waitReplicas + ", waitTimeout=" + Durations.format(waitTimeout)
            : "")
        + "}";
  }

  /** Builds {@link RedisOptions}. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private StoreConfig config = StoreConfig.DEFAULT;
    private int database;
    private @Nullable String sentinel;
    private boolean cluster;
    private long streamLength = DEFAULT_STREAM_LENGTH;
    private int waitReplicas;
    private Duration waitTimeout = Duration.ofSeconds(1);
    private boolean waitTimeoutSet;

    private Builder() {}

    /** The servers (required), {@code host[:port]} each. */
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
     * The database number, 0 to 15 on a default server.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder database(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("database must be 0 or more, was " + n);
      }
      database = n;
      return this;
    }

    /** Reads the endpoints as sentinels monitoring {@code masterName}. */
    public Builder sentinel(String masterName) {
      sentinel = OwnParameters.nonEmpty("sentinel", masterName);
      return this;
    }

    /** Reads the endpoints as seed nodes of a Redis Cluster. */
    public Builder cluster(boolean on) {
      cluster = on;
      return this;
    }

    /**
     * How many changes the stream keeps.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder streamLength(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("streamLength must be at least 1, was " + n);
      }
      streamLength = n;
      return this;
    }

    /**
     * How many replicas must confirm each write.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder waitReplicas(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("waitReplicas must be 0 or more, was " + n);
      }
      waitReplicas = n;
      return this;
    }

    /** How long a write waits for its replicas (default 1 s). */
    public Builder waitTimeout(Duration d) {
      waitTimeout = OwnParameters.positive("waitTimeout", d);
      waitTimeoutSet = true;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if no endpoint is given, a setting contradicts another
     *     (sentinel and cluster, a database in Cluster mode, a wait timeout without replicas to
     *     wait for, several servers without sentinel or cluster), or naming each setting of the
     *     configuration that cannot take effect on Redis
     */
    public RedisOptions build() {
      StoreLocation.checkEndpoints(endpoints);
      if (sentinel != null && cluster) {
        throw new IllegalArgumentException("sentinel and cluster: choose one deployment");
      }
      if (cluster && database != 0) {
        throw new IllegalArgumentException(
            "database " + database + ": Redis Cluster has database 0 only");
      }
      if (cluster && waitReplicas > 0) {
        throw new IllegalArgumentException(
            "waitReplicas: not supported in Cluster mode (WAIT must reach the store's primary)");
      }
      if (waitTimeoutSet && waitReplicas == 0) {
        throw new IllegalArgumentException(
            "waitTimeout has no effect without waitReplicas: give waitReplicas=N too");
      }
      if (endpoints.size() > 1 && sentinel == null && !cluster) {
        throw new IllegalArgumentException(
            "several endpoints "
                + endpoints
                + ": name the sentinels' master with sentinel=NAME, or say cluster=true");
      }
      OwnParameters.requireApplicable(config, new RedisStoreProvider(), "redis");
      return new RedisOptions(this);
    }
  }
}
