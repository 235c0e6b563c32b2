package io.libkv.zookeeper;

import io.libkv.testkit.servers.ZooKeeperServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract on a standalone ZooKeeper server. */
class StandaloneContractTest extends ZooKeeperContractTest {
  private static ZooKeeperServer server;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  String connectString() {
    return server.connectString();
  }
}
