package io.libkv.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.testkit.servers.ConsulEmulator;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Consul's typed entry point: a store without a URI, refusing what the URI refuses. */
class ConsulOptionsTest {
  private ConsulEmulator consul;

  @BeforeEach
  void start() {
    consul = ConsulEmulator.builder().sessionTtlMin(Duration.ofSeconds(1)).start();
  }

  @AfterEach
  void stop() {
    consul.close();
  }

  @Test
  void opensAStoreWithoutAUri() {
    try (Store s =
            ConsulOptions.builder()
                .endpoints(consul.address())
                .sessionTtlMin(Duration.ofSeconds(1))
                .config(
                    StoreConfig.builder()
                        .prefix("typed")
                        .operationTimeout(Duration.ofSeconds(5))
                        .build())
                .build()
                .open();
        Store viaUri = LibKV.open(consul.uri() + "/typed?sessionTtlMin=1s")) {
      s.put("k", "v".getBytes(UTF_8));
      assertThat(viaUri.get("k").valueAsString()).isEqualTo("v");
      // the own setting took effect: the agent's 1 s floor, doubled for ephemeral keys
      assertThat(s.capabilities().minEphemeralTtl()).isEqualTo(Duration.ofSeconds(2));
    }
  }

  @Test
  void badOptionsAreRefusedNamingTheParameterAsInAUri() {
    assertThatThrownBy(() -> ConsulOptions.builder().sessionTtlMin(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sessionTtlMin must be positive, was 0s");
    assertThatThrownBy(() -> LibKV.open(consul.uri() + "?sessionTtlMin=0s"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("parameter 'sessionTtlMin': sessionTtlMin must be positive, was 0s");
    assertThatThrownBy(() -> ConsulOptions.builder().datacenter(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("datacenter must not be empty");
    assertThatThrownBy(() -> ConsulOptions.builder().endpoints("h:p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints: invalid endpoint \"h:p\"");
    assertThatThrownBy(() -> ConsulOptions.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints");
    assertThatThrownBy(
            () ->
                ConsulOptions.builder()
                    .endpoints(consul.address())
                    .config(StoreConfig.builder().username("u").password(Secret.of("p")).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("do not apply to consul");
  }
}
