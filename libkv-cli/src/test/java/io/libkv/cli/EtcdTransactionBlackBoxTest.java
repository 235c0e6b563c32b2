package io.libkv.cli;

import io.libkv.testkit.servers.EtcdServer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * docs/cli.md's {@code txn} through the launcher on a real etcd server, each test below its own
 * prefix; etcd's operation limit makes the over-limit check run here.
 */
class EtcdTransactionBlackBoxTest extends CliTransactionContract {
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
    return "etcd://" + server.endpoint() + "/x" + PREFIXES.incrementAndGet();
  }
}
