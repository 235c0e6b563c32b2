package io.libkv.zookeeper;

import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.ZooKeeperServer;
import io.libkv.testkit.servers.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The conformance kit on a standalone ZooKeeper server, in full. */
@DisplayName("zookeeper store compatibility (standalone)")
class ZooKeeperStoreCompatibilityTest extends StoreCompatibilityKit {
  private static ZooKeeperServer server;
  private static String chroot;
  private static final List<TcpProxy> proxies = new CopyOnWriteArrayList<>();
  private static final ZooKeeperFaults FAULTS = new ZooKeeperFaults();

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
    chroot = ZkTesting.freshChroot("kit");
  }

  @AfterAll
  static void stopServer() {
    proxies.forEach(TcpProxy::close);
    server.close();
  }

  @Override
  protected Store openStore() {
    // each client through a proxy of its own, so that one client can be cut off
    TcpProxy proxy = TcpProxy.to(server.port());
    proxies.add(proxy);
    ZooKeeperStore s = ZkTesting.open(proxy.address(), chroot, KIT_QUERY
        + "&containerCheckInterval=" + ZooKeeperServer.containerCheckInterval().toMillis() + "ms");
    FAULTS.route(s, proxy);
    return s;
  }

  @Override
  protected StoreFaults faults() {
    return FAULTS;
  }

  // a 3 s session: the client declares the connection lost after 2/3 of it without an answer, and
  // the kit's heavier tests (8 threads of CAS through a proxy) on a loaded 2-core machine need that
  private static final String KIT_QUERY = "sessionTimeout=3s&connectTimeout=5s&timeout=5s";

  /** Mirrored in docs/compatibility.md and .ci/allowed-skips. */
  static final Map<String, String> EXCLUDED = Map.of(
      "putTtl", "ZooKeeper's ephemeral nodes cannot have children: an ephemeral key below an ephemeral key is "
          + "refused with InvalidKeyException",
      "treeResumedFromIndex", "ZooKeeper keeps no change history: a tree watch resumed from an index re-reads the "
          + "directory (RESYNC) and cannot name the keys deleted meanwhile",
      "resumedPastCompactionResyncs", "ZooKeeper keeps no change history, so none can be compacted: a key watch "
          + "resumed from an index delivers the key's latest state (PUT or DELETE, nothing if unchanged) whether or "
          + "not a compaction was simulated");

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
