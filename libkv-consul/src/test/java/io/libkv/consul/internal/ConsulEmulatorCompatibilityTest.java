package io.libkv.consul.internal;

import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The conformance kit on the Consul emulator ({@code session_ttl_min} 1s), in full. */
@DisplayName("consul: store compatibility (emulator)")
class ConsulEmulatorCompatibilityTest extends StoreCompatibilityKit {
  private static ConsulTestServer server;

  @BeforeAll
  static void startServer() {
    server = ConsulTestServer.emulator();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected Store openStore() {
    return server.open("");
  }

  @Override
  protected StoreFaults faults() {
    return server.faults();
  }
}
