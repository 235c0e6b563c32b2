package io.libkv.zookeeper;

import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The conformance kit on a standalone ZooKeeper server, in full. */
@DisplayName("zookeeper store compatibility (standalone)")
class ZooKeeperStoreCompatibilityTest extends StoreCompatibilityKit {
  private static ZooKeeperServer server;
  private static String chroot;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
    chroot = ZkTesting.freshChroot("kit");
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected Store openStore() {
    return ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY
        + "&containerCheckInterval=" + ZooKeeperServer.containerCheckInterval().toMillis() + "ms");
  }

  @Override
  protected StoreFaults faults() {
    return ZooKeeperFaults.INSTANCE;
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
