package io.libkv.consul.internal;

import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.ConsulAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on a real {@code consul agent -dev} (session_ttl_min 1s) when a Consul binary
 * is installed ({@code LIBKV_CONSUL_BIN} or {@code consul} on the PATH); skipped otherwise (listed
 * in {@code .ci/allowed-skips}).
 */
@DisplayName("consul: store compatibility (real agent)")
class ConsulAgentCompatibilityTest extends StoreCompatibilityKit {
  private static ConsulTestServer server;

  @BeforeAll
  static void startServer() {
    Assumptions.assumeTrue(
        ConsulAgent.binary().isPresent(),
        "no consul binary (set LIBKV_CONSUL_BIN or put consul on the PATH)");
    server = ConsulTestServer.agent();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
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
