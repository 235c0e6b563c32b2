package io.libkv.zookeeper.internal;

import io.libkv.Store;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.TcpProxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.curator.test.KillSession;

/**
 * The kit's faults on ZooKeeper: the server expires a store's session (Curator's session killer); a
 * store reached through a {@link TcpProxy} of its own can be cut off and reconnected.
 */
final class ZooKeeperFaults implements StoreFaults {
  private final Map<Store, TcpProxy> proxies = Collections.synchronizedMap(new IdentityHashMap<>());

  ZooKeeperFaults() {}

  /** Registers the proxy a store connects through. */
  void route(Store store, TcpProxy proxy) {
    proxies.put(store, proxy);
  }

  private TcpProxy proxyOf(Store store) {
    TcpProxy p = proxies.get(store);
    if (p == null) {
      throw new IllegalStateException("store " + store + " does not connect through a proxy");
    }
    return p;
  }

  @Override
  public void cutOff(Store store) {
    proxyOf(store).cut();
  }

  @Override
  public void reconnect(Store store) {
    proxyOf(store).restore();
  }

  @Override
  public void killSession(Store store) {
    // Curator's session killer: the session is expired as the server would, the store goes on with
    // a new one
    KillSession.kill(((ZooKeeperStore) store).currentZooKeeper());
  }

  @Override
  public void compactHistory(Store store) {
    // ZooKeeper keeps no change history at all: every resumed watch re-reads (RESYNC) already
  }

  /** Threads of the in-process servers (they come and go with connections). */
  static boolean isServerThread(Thread t) {
    String n = t.getName();
    return n.contains("NIOWorkerThread")
        || n.contains("NIOServerCxn")
        || n.contains("SessionTracker")
        || n.contains("SyncThread")
        || n.contains("ProcessThread")
        || n.contains("CommitProcessor")
        || n.contains("ContainerManager")
        || n.contains("RequestThrottler")
        || n.contains("QuorumPeer")
        || n.contains("LearnerHandler")
        || n.contains("FollowerRequestProcessor")
        || n.contains("Sender")
        || n.contains("RecvWorker")
        || n.contains("ListenerHandler")
        || n.contains("ConnectionExpirer")
        || n.contains("NIOServerCxnFactory")
        || n.startsWith("zkNetty")
        || n.contains("FileTxnSnapLog");
  }
}
