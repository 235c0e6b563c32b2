package io.libkv.recipes.process;

import io.libkv.testkit.servers.ZooKeeperServer;

/** The recipes across processes on a real ZooKeeper server (2 s sessions). */
class ZooKeeperRecipesProcessTest extends ProxiedRecipesProcessKit {
  private ZooKeeperServer server;

  @Override
  protected void startServers() {
    server = ZooKeeperServer.start();
  }

  @Override
  protected void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected int serverPort() {
    return server.port();
  }

  @Override
  protected String uriAt(String address) {
    return "zk://" + address + "?sessionTimeout=2s&connectTimeout=5s&timeout=5s";
  }
}
