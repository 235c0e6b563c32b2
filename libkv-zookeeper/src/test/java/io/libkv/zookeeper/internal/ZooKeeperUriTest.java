package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.testkit.servers.FreePorts;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** URI forms and parameters (docs/cli.md) on a real server. */
class ZooKeeperUriTest {
  private static ZooKeeperServer server;

  @BeforeAll
  static void start() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void bothSchemesTheChrootFromThePathAndTheSessionTimeout() throws Exception {
    String chroot = ZkTesting.freshChroot("uri") + "/nested";
    try (Store a =
            LibKV.open("zk://" + server.connectString() + "/" + chroot + "?sessionTimeout=2s");
        Store b =
            LibKV.open(
                "zookeeper://"
                    + server.connectString()
                    + "/"
                    + chroot
                    + "/?timeout=3s&connectTimeout=3s");
        CuratorFramework raw = ZkTesting.raw(server.connectString())) {
      a.put("k", "v".getBytes(UTF_8));
      assertThat(b.get("k").valueAsString()).isEqualTo("v");
      assertThat(new String(raw.getData().forPath("/" + chroot + "/k"), UTF_8)).isEqualTo("v");
      assertThat(a.capabilities().minEphemeralTtl()).isEqualTo(Duration.ofSeconds(2));
      assertThat(a.description()).isEqualTo("zk://" + server.connectString() + "/" + chroot);
    }
    try (Store c =
        LibKV.newStore(
            "zk", List.of(server.connectString()), StoreConfig.builder().prefix(chroot).build())) {
      assertThat(c.get("k").valueAsString()).isEqualTo("v");
    }
  }

  @Test
  void parametersOfOtherBackendsAreRefused() {
    assertThatThrownBy(() -> LibKV.open("zk://" + server.connectString() + "?bucket=x"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> LibKV.open("zk://")).isInstanceOf(ConfigurationException.class);
  }

  @Test
  void anUnreachableEnsembleFailsWithinTheConnectTimeoutNamingTheEndpoints() {
    String dead = "127.0.0.1:" + FreePorts.next();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> LibKV.open("zk://" + dead + "?connectTimeout=1s"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(dead)
        .satisfies(
            e -> assertThat(((StoreUnavailableException) e).endpoints()).containsExactly(dead));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aTlsStoreNeedsFilesNotAnSslContext() throws Exception {
    StoreConfig withContext =
        StoreConfig.builder().sslContext(javax.net.ssl.SSLContext.getDefault()).build();
    assertThatThrownBy(() -> LibKV.open("zk://" + server.connectString(), withContext))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("ca");
  }
}
