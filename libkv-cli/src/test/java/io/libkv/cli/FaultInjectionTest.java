package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Store;
import io.libkv.memory.MemoryStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Exit codes for failures only a fault in the store can cause, injected into a memory store
 * in-process.
 */
class FaultInjectionTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final CompletableFuture<Store> opened = new CompletableFuture<>();
  private final Cli cli =
      new Cli(
          new ByteArrayInputStream(new byte[0]),
          out,
          new PrintStream(err, true, StandardCharsets.UTF_8),
          Map.of(),
          false,
          false);

  FaultInjectionTest() {
    cli.onOpen(opened::complete);
  }

  private CompletableFuture<Integer> start(String... args) {
    return CompletableFuture.supplyAsync(() -> cli.run(args));
  }

  private String stdout() {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void lockLostWhileTheCommandRunsSendsItSigtermAndExits5() throws Exception {
    CompletableFuture<Integer> code =
        start(
            "--store",
            "memory:" + UUID.randomUUID(),
            "lock",
            "l",
            "--ttl",
            "1s",
            "--",
            "sh",
            "-c",
            "echo in; sleep 30");
    MemoryStore store = (MemoryStore) opened.get(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!stdout().contains("in") && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    store.simulateSessionExpiry();
    assertThat(code.get(30, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("libkv: ")
        .contains("lost", "\"l\"");
  }

  @Test
  void keepAliveWhoseSessionIsLostExits5() throws Exception {
    CompletableFuture<Integer> code =
        start(
            "--store",
            "memory:" + UUID.randomUUID(),
            "put",
            "eph",
            "v",
            "--ttl",
            "1s",
            "--keep-alive");
    MemoryStore store = (MemoryStore) opened.get(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (stdout().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(stdout()).matches("[1-9][0-9]*\n");
    store.simulateSessionExpiry();
    assertThat(code.get(30, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("libkv: ")
        .contains("lost", "\"eph\"");
  }
}
