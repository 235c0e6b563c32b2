package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.testkit.servers.EtcdServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's shared-store checks black-box on a real etcd server: every successful command
 * leaves stderr empty (the client libraries' logging goes to the CLI's own, quiet unless {@code
 * --verbose}). Each test works below its own key prefix.
 */
class EtcdStoreBlackBoxTest extends CliSharedStoreContract {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static EtcdServer server;

  @BeforeAll
  static void startServer() {
    server = EtcdServer.start();
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
    return "etcd://" + server.endpoint() + "/t" + PREFIXES.incrementAndGet();
  }

  @Override
  String shortTtl() {
    return "2s";
  }

  @Test
  void verboseShowsTheClientLibrariesLogging() {
    assertOk(lib("put", "k", "v"));
    Result r = libEnv(Map.of(), "--verbose", "--store", store, "get", "k");
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("v");
    assertThat(r.stderr).as(r.toString()).contains("using store etcd://");
  }

  @Test
  void statusShowsTheServerAndItsHealth() {
    Result r = lib("status");
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.stderr).as(r.toString()).isEmpty();
    assertThat(r.out())
        .contains("backend: etcd\n", "connection: connected\n", "leases: ")
        .containsPattern("version: [0-9]+\\.[0-9]+\\.[0-9]+\n")
        .containsPattern(
            "member: " + java.util.regex.Pattern.quote(server.endpoint()) + " up [0-9.]+");
  }

  /**
   * docs/cli.md's {@code txn} on the same server; etcd's operation limit makes the over-limit check
   * run here.
   */
  @org.junit.jupiter.api.Nested
  class Transactions extends CliTransactionContract {
    @Override
    CliRunner newRunner(Path workDir) {
      return EtcdStoreBlackBoxTest.this.newRunner(workDir);
    }

    @Override
    String newStoreUri(Path dir) {
      return EtcdStoreBlackBoxTest.this.newStoreUri(dir);
    }
  }
}
