package io.libkv.boltdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.PermissionDeniedException;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** boltdb's typed entry point: a store without a URI, refusing what the URI refuses. */
class BoltdbOptionsTest {
  @TempDir Path dir;

  @Test
  void opensAStoreWithoutAUri() {
    Path file = dir.resolve("typed.db");
    try (Store s =
        BoltdbOptions.builder()
            .file(file)
            .bucket("app")
            .mode(BoltdbOptions.FileMode.SHARED)
            .config(StoreConfig.builder().operationTimeout(Duration.ofSeconds(5)).build())
            .build()
            .open()) {
      s.put("k", "v".getBytes(UTF_8));
      assertThat(s.get("k").valueAsString()).isEqualTo("v");
      assertThat(s.description()).endsWith("?bucket=app&mode=shared");
    }
    try (Store viaUri = LibKV.open("boltdb:" + file + "?bucket=app&readOnly")) {
      assertThat(viaUri.get("k").valueAsString()).isEqualTo("v");
    }
    try (Store readOnly =
        BoltdbOptions.builder().file(file).bucket("app").readOnly(true).build().open()) {
      assertThatThrownBy(() -> readOnly.put("k", new byte[0]))
          .isInstanceOf(PermissionDeniedException.class);
    }
  }

  @Test
  void badOptionsAreRefusedNamingTheParameterAsInAUri() {
    assertThatThrownBy(() -> BoltdbOptions.builder().bucket(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bucket must not be empty");
    assertThatThrownBy(() -> LibKV.open("boltdb:" + dir.resolve("x.db") + "?bucket="))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("parameter 'bucket': bucket must not be empty");
    assertThatThrownBy(() -> BoltdbOptions.FileMode.parse("sometimes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected shared or exclusive");
    assertThatThrownBy(() -> BoltdbOptions.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file");
    assertThatThrownBy(
            () ->
                BoltdbOptions.builder()
                    .file(dir.resolve("y.db"))
                    .config(StoreConfig.builder().token(Secret.of("t")).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token do not apply to boltdb");
  }
}
