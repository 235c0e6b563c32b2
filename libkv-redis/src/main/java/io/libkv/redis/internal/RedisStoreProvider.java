package io.libkv.redis.internal;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.redis.RedisOptions;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.ServerSignature;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.spi.UriOptions;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code redis:} backend: {@code redis://HOST:PORT[,HOST:PORT...][/prefix]} ({@code rediss://}
 * for TLS), found through {@link java.util.ServiceLoader}. Parameters: {@code connectTimeout},
 * {@code timeout}, {@code tls}, {@code ca}, {@code cert}, {@code key}, {@code username}, {@code
 * passwordFile}, {@code maxValueBytes}, and Redis's own {@code database}, {@code sentinel}, {@code
 * cluster}, {@code streamLength}, {@code waitReplicas}, {@code waitTimeout}.
 */
public final class RedisStoreProvider implements StoreProvider {
  /** Redis's port, for endpoints given without one. */
  public static final int DEFAULT_PORT = 6379;

  /** A sentinel's port, for sentinel endpoints given without one. */
  public static final int DEFAULT_SENTINEL_PORT = 26379;

  private static final OwnParameters<RedisOptions.Builder> OWN =
      OwnParameters.<RedisOptions.Builder>none()
          .with("database", (b, v) -> b.database(integer("database", v)))
          .with("sentinel", RedisOptions.Builder::sentinel)
          .with("cluster", (b, v) -> b.cluster(OwnParameters.bool(v)))
          .with("streamLength", (b, v) -> b.streamLength(integer("streamLength", v)))
          .with("waitReplicas", (b, v) -> b.waitReplicas(integer("waitReplicas", v)))
          .with("waitTimeout", (b, v) -> b.waitTimeout(OwnParameters.duration(v)));

  // Redis drops an HTTP request without a word (it takes it for a cross-protocol attack), but
  // answers a PING, which changes nothing: PONG, or NOAUTH when it wants credentials first
  private static final ServerSignature SIGNATURE =
      new ServerSignature(
          "Redis",
          "a Redis server",
          Optional.of("PING\r\n"),
          Pattern.compile("^(?:\\+PONG|-NOAUTH)"),
          "redis://",
          "rediss://",
          false);

  /** Made by {@link java.util.ServiceLoader}. */
  public RedisStoreProvider() {}

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public Set<String> tlsSchemes() {
    return Set.of("rediss");
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
        "username",
        "passwordFile",
        "maxValueBytes",
        "database",
        "sentinel",
        "cluster",
        "streamLength",
        "waitReplicas",
        "waitTimeout");
  }

  @Override
  public Set<String> ownParameters() {
    return OWN.names();
  }

  @Override
  public String example() {
    return "redis://127.0.0.1:6379";
  }

  @Override
  public Optional<ServerSignature> serverSignature() {
    return Optional.of(SIGNATURE);
  }

  @Override
  public UriOptions uriOptions() {
    return OWN.reader(RedisOptions.builder(), RedisStoreProvider::open);
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    return open(RedisOptions.builder(), location, config);
  }

  private static Store open(
      RedisOptions.Builder options, StoreLocation location, StoreConfig config) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(config, "config");
    if (location.endpoints().isEmpty()) {
      throw new ConfigurationException(
          "redis needs at least one endpoint: redis://host:port[,host:port...][/prefix], not "
              + location.describe());
    }
    String path = location.path().replaceAll("^/+|/+$", "");
    if (path.matches("\\d+")) {
      throw new ConfigurationException(
          "redis: the URI path is the key prefix, and \""
              + path
              + "\" looks like a database number: write ?database="
              + path
              + " for database "
              + path
              + " (and a path only for a key prefix)");
    }
    String prefix = location.prefix(config, "redis");
    StoreConfig merged =
        prefix.equals(config.prefix()) ? config : config.toBuilder().prefix(prefix).build();
    if ("rediss".equals(location.scheme()) && !merged.tls()) {
      merged = merged.toBuilder().tls(true).build();
    }
    RedisOptions built;
    try {
      built = options.endpoints(location.endpoints().toArray(new String[0])).config(merged).build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("redis: " + e.getMessage());
    }
    return open(built, location);
  }

  /** Opens a store with checked options; {@code location} names it in messages. */
  public static Store open(RedisOptions options, StoreLocation location) {
    return RedisStore.open(options, location);
  }

  private static int integer(String name, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected a whole number, was \"" + v + "\"");
    }
  }
}
