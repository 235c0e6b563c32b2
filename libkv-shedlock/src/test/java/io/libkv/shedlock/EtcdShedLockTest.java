package io.libkv.shedlock;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.servers.EtcdServer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import net.javacrumbs.shedlock.test.support.FuzzTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The provider on one real etcd server, each client its own connection. */
class EtcdShedLockTest extends ShedLockContract {
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
    return LibKV.open("etcd://" + server.endpoint() + "/shedlock");
  }

  /**
   * ShedLock's fuzz test with 5 runs per thread instead of 100: its contenders retry without pause,
   * and 100 took minutes against one etcd server on a shared machine.
   */
  @Test
  @Override
  public void fuzzTestShouldPass() throws ExecutionException, InterruptedException {
    new FuzzTester(getLockProvider(), Duration.ofMillis(1), Duration.ofMinutes(5), 5).doFuzzTest();
  }
}
