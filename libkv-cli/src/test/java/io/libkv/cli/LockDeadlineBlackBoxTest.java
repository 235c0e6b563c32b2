package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.RedisServer;
import io.libkv.testkit.servers.TcpProxy;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code libkv lock KEY -- CMD} whose own JVM is stopped (SIGSTOP, as a long GC pause or a stopped
 * VM) past the lock's TTL while another process takes the lock: once resumed it sends CMD SIGTERM
 * at once, since the lease's deadline passed while it was stopped — not when the store's client
 * gets round to noticing. Its connection stays as stale as the pause left it (a proxy holds every
 * byte), so nothing the server says can be what tells it: only its own clock.
 */
@Tag("slow")
class LockDeadlineBlackBoxTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration TTL = Duration.ofSeconds(2);

  /**
   * From SIGCONT to CMD's end: the JVM resuming, its overdue timer, the signal and this JVM seeing
   * the exit (the deadline itself passed while the JVM was stopped). Measured 8-23 ms; waiting for
   * the ZooKeeper client to notice took 111-154 ms.
   */
  private static final Duration SLACK = Duration.ofMillis(100);

  @TempDir Path dir;

  @Test
  void zooKeeper() throws Exception {
    try (ZooKeeperServer server = ZooKeeperServer.start();
        TcpProxy proxy = TcpProxy.to(server.port())) {
      cmdEndsRightAfterTheResume(
          proxy,
          a -> "zk://" + a + "?sessionTimeout=" + TTL.toMillis() + "ms",
          "127.0.0.1:" + server.port());
    }
  }

  @Test
  void etcd() throws Exception {
    try (EtcdServer server = EtcdServer.start();
        TcpProxy proxy = TcpProxy.to(server.clientPort())) {
      cmdEndsRightAfterTheResume(proxy, a -> "etcd://" + a, "127.0.0.1:" + server.clientPort());
    }
  }

  @Test
  void redis() throws Exception {
    try (RedisServer server = RedisServer.start();
        TcpProxy proxy = TcpProxy.to(server.port())) {
      cmdEndsRightAfterTheResume(proxy, a -> "redis://" + a, server.address());
    }
  }

  /**
   * Rounds of stop, take-over and resume: one within {@link #SLACK} passes, so one scheduling
   * hiccup of a loaded machine does not fail it; a client that waits to notice the loss misses the
   * bound in every round.
   */
  private static final int ROUNDS = 3;

  private void cmdEndsRightAfterTheResume(
      TcpProxy proxy, Function<String, String> uriAt, String server) throws Exception {
    List<Duration> seen = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      Duration late = oneRound(proxy, uriAt, server, "deadline" + round);
      seen.add(late);
      if (late.compareTo(SLACK) <= 0) {
        return;
      }
    }
    assertThat(seen)
        .as("CMD's end after SIGCONT in each round (the deadline passed while stopped)")
        .anyMatch(late -> late.compareTo(SLACK) <= 0);
  }

  private Duration oneRound(
      TcpProxy proxy, Function<String, String> uriAt, String server, String key) throws Exception {
    proxy.hang(false);
    String uri = uriAt.apply(server);
    Running cli =
        new LauncherRunner(dir)
            .start(
                Map.of(),
                List.of(
                    "--store",
                    uriAt.apply(proxy.address()),
                    "lock",
                    key,
                    "--ttl",
                    TTL.toSeconds() + "s",
                    "--",
                    "sh",
                    "-c",
                    "echo $$; exec sleep 60"));
    String pid = cli.nextLine(WAIT);
    assertThat(pid).as("CMD started under the lock").isNotNull().matches("[0-9]+");
    ProcessHandle cmd = ProcessHandle.of(Long.parseLong(pid)).orElseThrow();
    signal("STOP", cli.pid());
    try (Store other = LibKV.open(uri);
        LockLease ours =
            other
                .newLock(key, LockOptions.builder().ttl(TTL).build())
                .tryLock(WAIT)
                .orElseThrow()) {
      assertThat(cmd.isAlive()).as("CMD runs on while libkv is stopped").isTrue();
      proxy.hang(true);
      signal("CONT", cli.pid());
      // from the moment the signal was delivered (kill(1) has returned), not from starting kill(1)
      long resumed = System.nanoTime();
      long limit = resumed + WAIT.toNanos();
      while (cmd.isAlive() && System.nanoTime() < limit) {
        Thread.sleep(1);
      }
      Duration late = Duration.ofNanos(System.nanoTime() - resumed);
      System.out.printf("libkv lock on %s: CMD ended %d ms after SIGCONT%n", uri, late.toMillis());
      assertThat(cmd.isAlive()).as("CMD still running %s after SIGCONT", WAIT).isFalse();
      Result r = cli.await(WAIT);
      assertThat(r.exitCode).as(r.toString()).isEqualTo(5);
      assertThat(ours.isHeld()).isTrue();
      return late;
    } finally {
      if (ProcessHandle.of(cli.pid()).isPresent()) {
        signal("CONT", cli.pid());
      }
      cmd.destroyForcibly();
    }
  }

  private static void signal(String sig, long pid) throws InterruptedException {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
      assertThat(k.waitFor()).as("kill -%s %d", sig, pid).isEqualTo(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
