package io.libkv.recipes.process;

import io.libkv.testkit.servers.ConsulEmulator;
import java.time.Duration;

/** The recipes across processes on the Consul API emulator (session_ttl_min 1 s). */
class ConsulRecipesProcessTest extends ProxiedRecipesProcessKit {
  private static final Duration TTL_MIN = Duration.ofSeconds(1);
  private ConsulEmulator server;

  @Override
  protected void startServers() {
    server = ConsulEmulator.builder().sessionTtlMin(TTL_MIN).start();
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
    return "consul://" + address + "?sessionTtlMin=" + TTL_MIN.toMillis() + "ms&timeout=5s";
  }
}
