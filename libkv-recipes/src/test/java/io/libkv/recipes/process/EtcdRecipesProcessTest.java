package io.libkv.recipes.process;

import io.libkv.testkit.servers.EtcdServer;

/** The recipes across processes on a real etcd server. */
class EtcdRecipesProcessTest extends ProxiedRecipesProcessKit {
  private EtcdServer server;

  @Override
  protected void startServers() {
    server = EtcdServer.start();
  }

  @Override
  protected void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected int serverPort() {
    return server.clientPort();
  }

  @Override
  protected String uriAt(String address) {
    return "etcd://" + address + "?timeout=5s&connectTimeout=5s";
  }
}
