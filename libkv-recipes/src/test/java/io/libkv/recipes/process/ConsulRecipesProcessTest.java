package io.libkv.recipes.process;

import io.libkv.testkit.servers.ConsulEmulator;
import java.time.Duration;

/** The recipes across processes on the Consul API emulator (session_ttl_min 1 s). */
class ConsulRecipesProcessTest extends ProxiedRecipesProcessKit<ConsulEmulator> {
  ConsulRecipesProcessTest() {
    super(
        () -> ConsulEmulator.builder().sessionTtlMin(Duration.ofSeconds(1)).start(),
        ConsulEmulator::port,
        a -> "consul://" + a + "?sessionTtlMin=1000ms&timeout=5s");
  }
}
