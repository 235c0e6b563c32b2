package io.libkv.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ZooKeeper's typed entry point: a store without a URI, refusing what the URI refuses. */
class ZooKeeperOptionsTest {
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
  void opensAStoreWithoutAUri() {
    String chroot = "t" + ProcessHandle.current().pid() + "-typed-" + System.nanoTime();
    try (Store s =
            ZooKeeperOptions.builder()
                .endpoints(server.connectString())
                .sessionTimeout(Duration.ofSeconds(2))
                .containerCheckInterval(ZooKeeperServer.containerCheckInterval())
                .config(
                    StoreConfig.builder()
                        .prefix(chroot)
                        .operationTimeout(Duration.ofSeconds(5))
                        .build())
                .build()
                .open();
        Store viaUri = LibKV.open("zk://" + server.connectString() + "/" + chroot)) {
      s.put("k", "v".getBytes(UTF_8));
      assertThat(viaUri.get("k").valueAsString()).isEqualTo("v");
      // the own setting took effect: the session the server granted is the one asked for
      assertThat(s.capabilities().minEphemeralTtl()).isEqualTo(Duration.ofSeconds(2));
    }
  }

  @Test
  void badOptionsAreRefusedNamingTheParameterAsInAUri() {
    assertThatThrownBy(() -> ZooKeeperOptions.builder().sessionTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sessionTimeout must be positive, was -1s");
    assertThatThrownBy(() -> LibKV.open("zk://" + server.connectString() + "?sessionTimeout=PT-1S"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(
            "parameter 'sessionTimeout': sessionTimeout must be positive, was -1s");
    assertThatThrownBy(() -> ZooKeeperOptions.builder().containerCheckInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("containerCheckInterval");
    assertThatThrownBy(() -> ZooKeeperOptions.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints");
    assertThatThrownBy(
            () ->
                ZooKeeperOptions.builder()
                    .endpoints(server.connectString())
                    .config(StoreConfig.builder().token(Secret.of("t")).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token do not apply to zookeeper");
  }
}
