package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.testkit.servers.RedisServer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's shared-store checks black-box on a real Redis server: every successful command
 * leaves stderr empty. Each test works in its own key prefix (a store of its own on Redis).
 */
class RedisStoreBlackBoxTest extends CliSharedStoreContract {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static RedisServer server;

  @BeforeAll
  static void startServer() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  CliRunner newRunner(Path workDir) {
    return new LauncherRunner(workDir);
  }

  @Override
  String newStoreUri(Path dir) {
    return "redis://" + server.address() + "/t" + PREFIXES.incrementAndGet();
  }

  @Override
  String shortTtl() {
    return "1s";
  }

  @Test
  void statusShowsTheServerAndItsRole() {
    Result r = lib("status");
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.stderr).as(r.toString()).isEmpty();
    assertThat(r.out())
        .contains("backend: redis\n", "connection: connected\n")
        .containsPattern("version: 7\\.[0-9]+\\.[0-9]+\n")
        .contains("role master");
  }

  @Test
  void aDatabaseNumberInThePathIsRefusedWithItsFix() {
    Result r =
        libEnv(java.util.Map.of(), "--store", "redis://" + server.address() + "/2", "get", "k");
    assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr).contains("?database=2").doesNotContain("\tat ");
  }

  /** docs/cli.md's {@code txn} on the same server. */
  @org.junit.jupiter.api.Nested
  class Transactions extends CliTransactionContract {
    @Override
    CliRunner newRunner(Path workDir) {
      return RedisStoreBlackBoxTest.this.newRunner(workDir);
    }

    @Override
    String newStoreUri(Path dir) {
      return RedisStoreBlackBoxTest.this.newStoreUri(dir);
    }
  }
}
