package io.libkv.zookeeper.internal;

import io.libkv.testkit.servers.ZooKeeperServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The conformance kit on a standalone ZooKeeper server, in full. */
@DisplayName("zookeeper store compatibility (standalone)")
class ZooKeeperStoreCompatibilityTest extends ZooKeeperKit {
  private static ZooKeeperServer server;
  private static String chroot;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
    chroot = ZkTesting.freshChroot("kit");
  }

  @AfterAll
  static void stopServer() {
    closeProxies();
    server.close();
  }

  @Override
  protected int serverPort(int n) {
    return server.port();
  }

  @Override
  protected String chroot() {
    return chroot;
  }
}
