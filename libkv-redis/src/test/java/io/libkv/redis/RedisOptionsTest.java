package io.libkv.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The typed entry point and the URI refuse what cannot take effect, naming the parameter, before
 * anything is sent.
 */
class RedisOptionsTest {
  @Test
  void defaults() {
    RedisOptions o = RedisOptions.builder().endpoints("127.0.0.1:6379").build();
    assertThat(o.database()).isZero();
    assertThat(o.sentinel()).isEmpty();
    assertThat(o.cluster()).isFalse();
    assertThat(o.streamLength()).isEqualTo(RedisOptions.DEFAULT_STREAM_LENGTH);
    assertThat(o.waitReplicas()).isZero();
  }

  @Test
  void contradictionsAreRefusedNamingTheParameters() {
    assertThatThrownBy(
            () -> RedisOptions.builder().endpoints("h:1").sentinel("m").cluster(true).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sentinel")
        .hasMessageContaining("cluster");
    assertThatThrownBy(
            () -> RedisOptions.builder().endpoints("h:1").cluster(true).database(2).build())
        .hasMessageContaining("database 2");
    assertThatThrownBy(
            () -> RedisOptions.builder().endpoints("h:1").cluster(true).waitReplicas(1).build())
        .hasMessageContaining("waitReplicas");
    assertThatThrownBy(
            () ->
                RedisOptions.builder().endpoints("h:1").waitTimeout(Duration.ofSeconds(1)).build())
        .hasMessageContaining("waitTimeout");
    assertThatThrownBy(() -> RedisOptions.builder().endpoints("h:1", "h:2").build())
        .hasMessageContaining("sentinel=NAME");
    assertThatThrownBy(() -> RedisOptions.builder().streamLength(0))
        .hasMessageContaining("streamLength");
    assertThatThrownBy(() -> RedisOptions.builder().database(-1)).hasMessageContaining("database");
    assertThatThrownBy(() -> RedisOptions.builder().build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void settingsOfOtherBackendsAreRefused() {
    StoreConfig token = StoreConfig.builder().token(io.libkv.Secret.of("t")).build();
    assertThatThrownBy(() -> RedisOptions.builder().endpoints("h:1").config(token).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token");
  }

  @Test
  void aNumericPathIsTakenForADatabaseAndRefused() {
    assertThatThrownBy(() -> LibKV.open("redis://127.0.0.1:6379/3"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("database=3");
  }

  @Test
  void bracesInThePrefixAreRefused() {
    assertThatThrownBy(() -> LibKV.open("redis://127.0.0.1:1/a%7Bb"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("braces");
  }

  @Test
  void uriParametersReachTheOptions() {
    assertThatThrownBy(() -> LibKV.open("redis://127.0.0.1:1?database=x"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("database");
    assertThatThrownBy(() -> LibKV.open("redis://127.0.0.1:1?waitTimeout=1s"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("waitReplicas");
    assertThatThrownBy(() -> LibKV.open("redis://127.0.0.1:1?bucket=b"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("bucket");
  }

  @Test
  void anUnreachableServerIsUnavailableWithinTheConnectTimeout() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> LibKV.open("redis://127.0.0.1:1?connectTimeout=1s&timeout=1s"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("127.0.0.1:1");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }
}
