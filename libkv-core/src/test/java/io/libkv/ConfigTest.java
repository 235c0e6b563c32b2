package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigTest {
  @Test
  void durationsInShortAndIsoForms() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("1h2m3s4ms")).isEqualTo(Duration.ofMillis(3_723_004));
    assertThat(Durations.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
  }

  @ParameterizedTest
  @ValueSource(strings = {"5", "", "s", "5x", "1s1m", "5 s", "-5s", "P", "PTxS", "1.5s"})
  void badDurationsAreRejected(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid duration");
  }

  @Test
  void uriParametersMapOntoTheBuilder() {
    try (Store s = LibKV.open("memory:cfg?maxValueBytes=10")) {
      assertThat(s.capabilities().maxValueBytes()).isEqualTo(10);
      assertThat(s.description()).isEqualTo("memory:cfg");
    }
  }

  @Test
  void unknownAndRepeatedParametersAreListed() {
    assertThatThrownBy(() -> LibKV.open("memory:x?foo=1&bar=2"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("unknown parameter(s): bar, foo");
    assertThatThrownBy(() -> LibKV.open("memory:x?maxValueBytes=1&maxValueBytes=2"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("repeated parameter(s): maxValueBytes");
  }

  @Test
  void parametersOfOtherBackendsAreRefused() {
    assertThatThrownBy(() -> LibKV.open("memory:x?bucket=b"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("do not apply to memory");
  }

  @Test
  void secretsInUrisAreRefusedWithoutEchoingThem() {
    assertThatThrownBy(() -> LibKV.open("memory:x?password=hunter2"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageNotContaining("hunter2")
        .hasMessageContaining("passwordFile");
    assertThatThrownBy(() -> LibKV.open("etcd://user:hunter2@127.0.0.1:2379"))
        .isInstanceOf(KVException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void unknownSchemeListsInstalledOnes() {
    assertThatThrownBy(() -> LibKV.open("nosuch://127.0.0.1:1"))
        .isInstanceOf(BackendNotSupportedException.class)
        .hasMessageContaining("installed schemes: memory");
    assertThat(LibKV.installedSchemes()).contains("memory");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "memory", "1abc:x", "://x", "etcd://h:p:q"})
  void malformedUrisAreRejected(String uri) {
    assertThatThrownBy(() -> LibKV.open(uri))
        .isInstanceOf(KVException.class)
        .hasMessageContaining("invalid store URI");
  }

  @Test
  void locationsOfEveryForm() {
    var p =
        io.libkv.internal.UriParser.parse(
            "etcd://127.0.0.1:2379,127.0.0.1:22379/app%20x?timeout=5s");
    assertThat(p.location().endpoints()).containsExactly("127.0.0.1:2379", "127.0.0.1:22379");
    assertThat(p.location().path()).isEqualTo("app x");
    assertThat(p.parameters()).containsEntry("timeout", "5s");
    assertThat(io.libkv.internal.UriParser.parse("boltdb:///abs/path.db").location().path())
        .isEqualTo("/abs/path.db");
    assertThat(io.libkv.internal.UriParser.parse("boltdb:/abs/path.db").location().path())
        .isEqualTo("/abs/path.db");
    assertThat(io.libkv.internal.UriParser.parse("boltdb:rel%2Fx.db?bucket=b").location().path())
        .isEqualTo("rel/x.db");
    assertThat(io.libkv.internal.UriParser.parse("memory:n").location().path()).isEqualTo("n");
    assertThat(io.libkv.internal.UriParser.parse("zk://[::1]:2181/chroot").location().endpoints())
        .containsExactly("[::1]:2181");
  }

  @Test
  void secretsNeverShowInToString(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("pw");
    Files.writeString(f, "s3cret\n");
    StoreConfig c =
        StoreConfig.builder().username("u").passwordFile(f).token(Secret.of("tok3n")).build();
    assertThat(c.toString()).doesNotContain("s3cret").doesNotContain("tok3n").contains("****");
    assertThat(c.password().orElseThrow().reveal()).isEqualTo("s3cret");
    assertThat(Secret.of("x").toString()).isEqualTo("****");
  }

  @Test
  void unreadableSecretFileNamesTheFileOnly(@TempDir Path dir) {
    assertThatThrownBy(
            () -> StoreConfig.builder().username("u").passwordFile(dir.resolve("missing")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void setOnceSettersNameThePreviousValue() {
    StoreConfig.Builder b = StoreConfig.builder().operationTimeout(Duration.ofSeconds(1));
    assertThatThrownBy(() -> b.operationTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was already set to 1s");
    assertThatThrownBy(() -> StoreConfig.builder().connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> WriteOptions.builder().ttl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lockOptionsDefaultTtlRespectsTheBackendMinimum() {
    assertThat(LockOptions.DEFAULT.effectiveTtl(Duration.ofSeconds(1)))
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(LockOptions.DEFAULT.effectiveTtl(Duration.ofSeconds(20)))
        .isEqualTo(Duration.ofSeconds(20));
    assertThat(new String(LockOptions.DEFAULT.value(), java.nio.charset.StandardCharsets.UTF_8))
        .endsWith(":" + ProcessHandle.current().pid());
  }
}
