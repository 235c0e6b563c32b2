package io.libkv.zookeeper.internal;

import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.TcpProxy;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The conformance kit on ZooKeeper: each client reaches a server through a proxy of its own, so one
 * client can be cut off. Subclasses say which server each client talks to.
 */
abstract class ZooKeeperKit extends StoreCompatibilityKit {
  private static final List<TcpProxy> PROXIES = new CopyOnWriteArrayList<>();
  private static final ZooKeeperFaults FAULTS = new ZooKeeperFaults();
  private final AtomicInteger clients = new AtomicInteger();

  // a 3 s session: the client declares the connection lost after 2/3 of it without an answer, and
  // the kit's heavier tests (8 threads of CAS through a proxy) on a loaded 2-core machine need that
  private static final String KIT_QUERY = "sessionTimeout=3s&connectTimeout=5s&timeout=5s";

  /** Mirrored in docs/compatibility.md and .ci/allowed-skips. */
  static final Map<String, String> EXCLUDED =
      Map.of(
          "putTtl",
              "ZooKeeper's ephemeral nodes cannot have children: an ephemeral key below an ephemeral key is "
                  + "refused with InvalidKeyException",
          "treeResumedFromIndex",
              "ZooKeeper keeps no change history: a tree watch resumed from an index re-reads the "
                  + "directory (RESYNC) and cannot name the keys deleted meanwhile",
          "resumedPastCompactionResyncs",
              "ZooKeeper keeps no change history, so none can be compacted: a key watch "
                  + "resumed from an index delivers the key's latest state (PUT or DELETE, nothing if unchanged) whether or "
                  + "not a compaction was simulated");

  /** The client port of the server the {@code n}th client talks to. */
  protected abstract int serverPort(int n);

  /** The chroot the kit's clients share. */
  protected abstract String chroot();

  /** Closes every client's proxy (after the class's tests). */
  static void closeProxies() {
    PROXIES.forEach(TcpProxy::close);
    PROXIES.clear();
  }

  @Override
  protected Store openStore() {
    TcpProxy proxy = TcpProxy.to(serverPort(clients.getAndIncrement()));
    PROXIES.add(proxy);
    ZooKeeperStore s =
        ZkTesting.open(
            proxy.address(),
            chroot(),
            KIT_QUERY
                + "&containerCheckInterval="
                + ZooKeeperServer.containerCheckInterval().toMillis()
                + "ms");
    FAULTS.route(s, proxy);
    return s;
  }

  @Override
  protected StoreFaults faults() {
    return FAULTS;
  }

  @Override
  protected Map<String, String> excludedTests() {
    return EXCLUDED;
  }

  @Override
  protected Duration baseTtl() {
    return Duration.ofSeconds(1);
  }

  @Override
  protected boolean isServerThread(Thread thread) {
    return ZooKeeperFaults.isServerThread(thread);
  }
}
