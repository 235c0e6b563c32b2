package io.libkv.zookeeper;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.zookeeper.internal.ZooKeeperStore;
import java.util.Set;

/**
 * The ZooKeeper backend's provider: {@code zk://h:p[,h:p...][/chroot]} and {@code zookeeper://...}.
 * The URI's path is the chroot (it overrides {@link StoreConfig#prefix()}).
 */
public final class ZooKeeperStoreProvider implements StoreProvider {
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
    return Set.of("connectTimeout", "timeout", "sessionTimeout", "containerCheckInterval", "maxValueBytes",
        "username", "passwordFile", "tls", "ca", "cert", "key");
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    if (location.endpoints().isEmpty()) {
      throw new ConfigurationException("ZooKeeper needs at least one endpoint: zk://host:port[,host:port...][/chroot], not "
          + location.describe());
    }
    StoreConfig c = config;
    if (!location.path().isEmpty()) {
      c = config.toBuilder().prefix(location.path()).build();
    }
    return ZooKeeperStore.open(location.scheme(), location.endpoints(), c);
  }
}
