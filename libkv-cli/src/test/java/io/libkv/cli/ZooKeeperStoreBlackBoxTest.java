package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's shared-store checks black-box on a real ZooKeeper server: every successful command
 * leaves stderr empty although the ZooKeeper client logs through SLF4J at INFO, and {@code
 * --verbose} shows that logging. Each test works in its own chroot.
 */
class ZooKeeperStoreBlackBoxTest extends CliSharedStoreContract {
  private static final AtomicInteger CHROOTS = new AtomicInteger();
  private static ZooKeeperServer server;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
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
    return "zk://" + server.connectString() + "/t" + CHROOTS.incrementAndGet();
  }

  @Test
  void verboseShowsTheZooKeeperClientsOwnLogging() {
    assertOk(lib("put", "k", "v"));
    Result r = libEnv(Map.of(), "--verbose", "--store", store, "get", "k");
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("v");
    // the ZooKeeper client's own INFO lines reach the CLI's log handler, not SLF4J's fallback
    assertThat(r.stderr).as(r.toString()).contains("org.apache.zookeeper").doesNotContain("SLF4J");
  }

  @Test
  void statusShowsTheServerAndItsHealth() {
    Result r = lib("status");
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.stderr).as(r.toString()).isEmpty();
    assertThat(r.out())
        .contains("backend: zookeeper\n", "connection: connected\n", "session: 0x")
        .containsPattern("version: [0-9]+\\.[0-9]+\\.[0-9]+\n")
        .containsPattern(
            "member: "
                + java.util.regex.Pattern.quote("127.0.0.1:" + server.port())
                + " up [0-9.]+");
  }
}
