package io.libkv.recipes.process;

import io.libkv.testkit.servers.EtcdServer;

/** The recipes across processes on a real etcd server. */
class EtcdRecipesProcessTest extends ProxiedRecipesProcessKit<EtcdServer> {
  EtcdRecipesProcessTest() {
    super(
        EtcdServer::start,
        EtcdServer::clientPort,
        a -> "etcd://" + a + "?timeout=5s&connectTimeout=5s");
  }
}
