package io.libkv.integration;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.servers.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The registry on one real etcd server, each client its own connection. */
class EtcdLockRegistryTest extends LockRegistryContract {
  private static EtcdServer server;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Override
  Store openClient() {
    return LibKV.open("etcd://" + server.endpoint() + "/si");
  }
}
