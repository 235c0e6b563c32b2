package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.testkit.servers.EtcdServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** etcd's typed entry point: a store without a URI, refusing what the URI refuses. */
class EtcdOptionsTest {
  private static EtcdServer server;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void opensAStoreWithoutAUri() {
    try (Store s =
            EtcdOptions.builder()
                .endpoints(server.endpoint())
                .config(
                    StoreConfig.builder()
                        .prefix("typed")
                        .operationTimeout(Duration.ofSeconds(5))
                        .maxValueBytes(10)
                        .build())
                .build()
                .open();
        Store viaUri = LibKV.open("etcd://" + server.endpoint() + "/typed")) {
      s.put("k", "v".getBytes(UTF_8));
      assertThat(viaUri.get("k").valueAsString()).isEqualTo("v");
      assertThat(s.description()).isEqualTo("etcd://" + server.endpoint() + "/typed");
      assertThat(s.capabilities().maxValueBytes()).isEqualTo(10);
    }
  }

  @Test
  void badOptionsAreRefusedNamingTheParameter() {
    assertThatThrownBy(() -> EtcdOptions.builder().endpoints("127.0.0.1:2379", "h:p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints: invalid endpoint \"h:p\"");
    assertThatThrownBy(() -> EtcdOptions.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints");
    assertThatThrownBy(
            () ->
                EtcdOptions.builder()
                    .endpoints(server.endpoint())
                    .config(StoreConfig.builder().token(Secret.of("t")).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token do not apply to etcd");
    assertThatThrownBy(
            () ->
                EtcdOptions.builder()
                    .endpoints(server.endpoint())
                    .config(StoreConfig.builder().password(Secret.of("p")).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("username");
  }
}
