package io.libkv.zookeeper.internal;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.ServerSignature;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.spi.UriOptions;
import io.libkv.zookeeper.ZooKeeperOptions;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The ZooKeeper backend's provider: {@code zk://h:p[,h:p...][/chroot]} and {@code zookeeper://...}.
 * The URI's path is the chroot (it overrides {@link StoreConfig#prefix()}).
 */
public final class ZooKeeperStoreProvider implements StoreProvider {
  // the srvr four-letter command names the version, or says the server's whitelist leaves it out
  private static final ServerSignature SIGNATURE =
      new ServerSignature(
          "ZooKeeper",
          "a ZooKeeper server",
          Optional.of("srvr"),
          Pattern.compile(
              "Zookeeper version: ([^,\\s-]+)|is not executed because it is not in the whitelist"),
          "zk://",
          "the tls parameter",
          false);
  private static final OwnParameters<ZooKeeperOptions.Builder> OWN =
      OwnParameters.<ZooKeeperOptions.Builder>none()
          .with("sessionTimeout", (b, v) -> b.sessionTimeout(OwnParameters.duration(v)))
          .with(
              "containerCheckInterval",
              (b, v) -> b.containerCheckInterval(OwnParameters.duration(v)));

  /** Made by {@link java.util.ServiceLoader}. */
  public ZooKeeperStoreProvider() {}

  @Override
  public String name() {
    return "zookeeper";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("zk", "zookeeper");
  }

  @Override
  public Set<String> parameters() {
    return Set.of(
        "connectTimeout",
        "timeout",
        "sessionTimeout",
        "containerCheckInterval",
        "maxValueBytes",
        "username",
        "passwordFile",
        "tls",
        "ca",
        "cert",
        "key");
  }

  @Override
  public Set<String> ownParameters() {
    return OWN.names();
  }

  @Override
  public String example() {
    return "zk://127.0.0.1:2181";
  }

  @Override
  public Optional<ServerSignature> serverSignature() {
    return Optional.of(SIGNATURE);
  }

  @Override
  public UriOptions uriOptions() {
    return OWN.reader(ZooKeeperOptions.builder(), ZooKeeperStoreProvider::open);
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    return open(ZooKeeperOptions.builder(), location, config);
  }

  private static Store open(
      ZooKeeperOptions.Builder options, StoreLocation location, StoreConfig config) {
    if (location.endpoints().isEmpty()) {
      throw new ConfigurationException(
          "ZooKeeper needs at least one endpoint: zk://host:port[,host:port...][/chroot], not "
              + location.describe());
    }
    StoreConfig c = config;
    if (!location.path().isEmpty()) {
      c = config.toBuilder().prefix(location.path()).build();
    }
    return ZooKeeperStore.open(
        location.scheme(),
        location.endpoints(),
        c,
        options.endpoints(location.endpoints().toArray(new String[0])).config(c).build());
  }
}
