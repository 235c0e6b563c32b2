package io.libkv.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.internal.ProviderRegistry;
import io.libkv.internal.UriParser;
import io.libkv.memory.MemoryOptions;
import io.libkv.memory.MemoryStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A backend declares and reads its own URI parameters and its URI form through the SPI (here the
 * test backend {@code paths:}); core checks them with the shared ones and lists every problem at
 * once.
 */
class OwnParametersTest {
  @Test
  void aBackendsOwnParameterReachesItsOptions() {
    try (Store s = LibKV.open("paths:data?bucket=b1");
        Store same = MemoryStore.open("data/b1", StoreConfig.DEFAULT)) {
      same.put("k", "v".getBytes(UTF_8));
      assertThat(s.get("k").valueAsString()).isEqualTo("v");
    }
  }

  @Test
  void ownAndSharedProblemsAreListedTogetherInUriOrder() {
    assertThatThrownBy(
            () -> LibKV.open("paths:data?timeout=0s&bucket=&bogus=1&tokenFile=x&maxValueBytes=1"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("unknown parameter(s): bogus (known: connectTimeout, timeout,")
        .hasMessageContaining(
            "parameter 'timeout': timeout must be positive, was 0s; parameter 'bucket': bucket must not be empty")
        .hasMessageContaining(
            "parameter(s) maxValueBytes, tokenFile do not apply to paths (it takes: bucket, timeout)");
  }

  @Test
  void theOwnParametersOfEveryInstalledBackendAreKnown() {
    assertThat(ProviderRegistry.ownParameters()).contains("bucket");
    assertThatThrownBy(() -> LibKV.open("memory:x?bucket=b"))
        .hasMessageContaining(
            "parameter(s) bucket do not apply to memory (it takes: maxValueBytes)")
        .hasMessageNotContaining("unknown");
  }

  @Test
  void defaultsApplyWhereTheUriIsSilentAndAreCheckedAlike() {
    try (Store s = LibKV.open("paths:d2", StoreConfig.DEFAULT, Map.of("bucket", "b2"));
        Store given =
            LibKV.open("paths:d2?bucket=b3", StoreConfig.DEFAULT, Map.of("bucket", "b2"));
        Store b2 = MemoryStore.open("d2/b2", StoreConfig.DEFAULT)) {
      b2.put("k", "v".getBytes(UTF_8));
      assertThat(s.get("k").valueAsString()).isEqualTo("v");
      assertThat(given.exists("k")).isFalse();
    }
    assertThatThrownBy(() -> LibKV.open("memory:x", StoreConfig.DEFAULT, Map.of("bucket", "b")))
        .hasMessageContaining("do not apply to memory");
  }

  @Test
  void aPathLikeBackendKeepsTheAbsolutePathsSlash() {
    assertThat(UriParser.parse("paths://host/abs").location().path()).isEqualTo("/abs");
    assertThat(UriParser.parse("other://host/abs").location().path()).isEqualTo("abs");
    try (Store s = LibKV.newStore("paths", List.of("d3"), StoreConfig.DEFAULT)) {
      assertThat(s.description()).isEqualTo("memory:d3/b0");
    }
  }

  @Test
  void malformedUrisShowAnExampleOfEachInstalledBackend() {
    assertThatThrownBy(() -> LibKV.open("1x"))
        .hasMessageContaining("expected SCHEME:..., e.g. memory:, paths:./x");
  }

  @Test
  void theMemoryBackendsTypedEntryPointOpensWithoutAUri() {
    try (MemoryStore s =
            MemoryOptions.builder()
                .name("typed")
                .config(StoreConfig.builder().maxValueBytes(4).build())
                .build()
                .open();
        Store viaUri = LibKV.open("memory:typed")) {
      s.put("k", "v".getBytes(UTF_8));
      assertThat(viaUri.get("k").valueAsString()).isEqualTo("v");
      assertThat(s.capabilities().maxValueBytes()).isEqualTo(4);
    }
    assertThatThrownBy(
            () ->
                MemoryOptions.builder()
                    .config(StoreConfig.builder().token(Secret.of("t")).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("config: setting(s) token do not apply to memory");
  }

  @Test
  void typedEndpointsAreCheckedAsAUrisAre() {
    assertThat(StoreLocation.checkEndpoints(List.of("127.0.0.1:2379", "[::1]:1"))).hasSize(2);
    assertThatThrownBy(() -> StoreLocation.checkEndpoints(List.of("h:p")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints: invalid endpoint \"h:p\"");
    assertThatThrownBy(() -> StoreLocation.checkEndpoints(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints");
  }
}
