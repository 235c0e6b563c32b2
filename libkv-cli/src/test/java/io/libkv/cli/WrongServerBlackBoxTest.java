package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.LibKV;
import io.libkv.StoreUnavailableException;
import io.libkv.cli.CliRunner.Result;
import io.libkv.testkit.servers.ConsulEmulator;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.FreePorts;
import io.libkv.testkit.servers.RedisServer;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A URI of the wrong kind, or an address where nothing listens, fails within the default connect
 * timeout with one message that says what answered and the likely cause: through the library
 * ({@link StoreUnavailableException}) and through the command (exit 3, one stderr line). Real
 * servers on loopback: etcd, ZooKeeper, the Consul emulator as an HTTP/1 server, a closed port.
 */
@Tag("slow")
class WrongServerBlackBoxTest {
  /** The default connect timeout: a wrong address fails about as fast as etcdctl's 2 s dial. */
  private static final Duration CONNECT = Duration.ofSeconds(3);

  /**
   * Room for the probe that explains the failure (two steps at most, each bounded by 1 s but
   * answered at once by these servers), a connect attempt begun just before the deadline, and a
   * loaded machine.
   */
  private static final Duration SLACK = Duration.ofSeconds(3);

  /** A separate JVM's start-up, on top. */
  private static final Duration JVM_START = Duration.ofSeconds(5);

  private static EtcdServer etcd;
  private static ZooKeeperServer zk;
  private static ConsulEmulator consul;
  private static RedisServer redis;
  private static int closedPort;

  @TempDir Path tmp;

  @BeforeAll
  static void startServers() {
    etcd = EtcdServer.start();
    zk = ZooKeeperServer.start();
    consul = ConsulEmulator.start();
    redis = RedisServer.start();
    closedPort = FreePorts.next();
  }

  @AfterAll
  static void stopServers() {
    for (AutoCloseable c : new AutoCloseable[] {etcd, zk, consul, redis}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // the others still stop
      }
    }
  }

  static Stream<Arguments> pairings() {
    return Stream.of(
        Arguments.of(
            "etcd on a closed port",
            "etcd",
            "closed",
            "nothing listens there (connection refused)"),
        Arguments.of("etcd on ZooKeeper", "etcd", "zk", "a ZooKeeper server (version"),
        Arguments.of(
            "etcd on an HTTP/1 server", "etcd", "http1", "this looks like an HTTP/1 server"),
        Arguments.of(
            "etcds on plaintext etcd",
            "etcds",
            "etcd",
            "TLS handshake failed: the server speaks plaintext"),
        Arguments.of("zk on etcd", "zk", "etcd", "this looks like etcd, use etcd://"),
        Arguments.of("zk on an HTTP/1 server", "zk", "http1", "this looks like an HTTP/1 server"),
        Arguments.of(
            "zk on a closed port", "zk", "closed", "nothing listens there (connection refused)"),
        Arguments.of("etcd on Redis", "etcd", "redis", "this looks like Redis, use redis://"),
        Arguments.of("redis on etcd", "redis", "etcd", "this looks like etcd, use etcd://"),
        Arguments.of("redis on ZooKeeper", "redis", "zk", "a ZooKeeper server (version"),
        Arguments.of(
            "redis on a closed port",
            "redis",
            "closed",
            "nothing listens there (connection refused)"));
  }

  private static String uri(String scheme, String server) {
    String address;
    switch (server) {
      case "etcd":
        address = etcd.endpoint();
        break;
      case "zk":
        address = "127.0.0.1:" + zk.port();
        break;
      case "http1":
        address = consul.address();
        break;
      case "redis":
        address = redis.address();
        break;
      default:
        address = "127.0.0.1:" + closedPort;
    }
    return scheme + "://" + address;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pairings")
  void theLibraryFailsFastSayingWhatAnswered(
      String name, String scheme, String server, String says) {
    String uri = uri(scheme, server);
    long start = System.nanoTime();
    assertThatThrownBy(() -> LibKV.open(uri).close())
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(says)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain("\n")
                    .doesNotContain("DefaultChannelPipeline"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).as(name + " took " + took).isLessThan(CONNECT.plus(SLACK));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pairings")
  void theCommandExitsThreeWithOneLine(String name, String scheme, String server, String says) {
    Result r;
    long start = System.nanoTime();
    r =
        new LauncherRunner(tmp)
            .run(Map.of(), new byte[0], List.of("--store", uri(scheme, server), "get", "k"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(r.exitCode).as(r.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.stderr)
        .as(r.toString())
        .matches("libkv: [^\\n]*" + java.util.regex.Pattern.quote(says) + "[^\\n]*\\n");
    assertThat(took).as(name + " took " + took).isLessThan(CONNECT.plus(SLACK).plus(JVM_START));
  }
}
