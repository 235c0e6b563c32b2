package io.libkv.recipes.process;

import io.libkv.testkit.servers.ZooKeeperServer;

/** The recipes across processes on a real ZooKeeper server (2 s sessions). */
class ZooKeeperRecipesProcessTest extends ProxiedRecipesProcessKit<ZooKeeperServer> {
  ZooKeeperRecipesProcessTest() {
    super(
        ZooKeeperServer::start,
        ZooKeeperServer::port,
        a -> "zk://" + a + "?sessionTimeout=2s&connectTimeout=5s&timeout=5s");
  }
}
