package io.libkv.zookeeper.internal;

import java.io.IOException;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * A ZooKeeper handle that tells the newest zxid its connection has seen: the server state of the
 * last answer received. A request sent after that answer is served at that state or a newer one (a
 * session's requests are answered in order, and a server behind the zxid a client has seen refuses
 * its reconnection), which is what lets a listing prove it read one moment's state.
 */
@SuppressWarnings(
    "try") // ZooKeeper's own close() may throw InterruptedException; Curator closes it
final class ZxidZooKeeper extends ZooKeeper {
  ZxidZooKeeper(
      String connectString,
      int sessionTimeout,
      Watcher watcher,
      boolean canBeReadOnly,
      ZKClientConfig config)
      throws IOException {
    super(connectString, sessionTimeout, watcher, canBeReadOnly, config);
  }

  /** The zxid of the last answer received on this handle (0 before the first). */
  long lastZxid() {
    return cnxn.getLastZxid();
  }

  /** The newest zxid {@code zk} has seen, or 0 for a handle that cannot tell. */
  static long lastZxid(ZooKeeper zk) {
    return zk instanceof ZxidZooKeeper z ? z.lastZxid() : 0;
  }

  /**
   * Makes Curator's sessions on {@link ZxidZooKeeper} handles, with the store's client
   * configuration.
   */
  static final class Factory implements ZookeeperFactory {
    private final ZKClientConfig config;

    Factory(ZKClientConfig config) {
      this.config = config;
    }

    @Override
    public ZooKeeper newZooKeeper(
        String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly)
        throws IOException {
      return new ZxidZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, config);
    }

    @Override
    public ZooKeeper newZooKeeper(
        String connectString,
        int sessionTimeout,
        Watcher watcher,
        boolean canBeReadOnly,
        ZKClientConfig zkClientConfig)
        throws IOException {
      return new ZxidZooKeeper(
          connectString,
          sessionTimeout,
          watcher,
          canBeReadOnly,
          zkClientConfig != null ? zkClientConfig : config);
    }
  }
}
