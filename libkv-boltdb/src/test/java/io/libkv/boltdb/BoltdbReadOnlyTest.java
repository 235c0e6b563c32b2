package io.libkv.boltdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.KVException;
import io.libkv.KeyNotFoundException;
import io.libkv.LibKV;
import io.libkv.PermissionDeniedException;
import io.libkv.Store;
import io.libkv.WriteOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code readOnly=true}: the file is opened for reading only, whatever its permissions (so also by
 * root, whom a 0444 file does not stop), nothing is created, and every write is refused.
 */
class BoltdbReadOnlyTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"", "&mode=shared"})
  void readsWorkWritesAreRefusedAndTheFileIsUntouched(String mode) throws Exception {
    Path file = dir.resolve("ro.db");
    try (Store s = LibKV.open("boltdb:" + file)) {
      s.put("a/k", "v".getBytes(UTF_8));
    }
    byte[] before = Files.readAllBytes(file);
    try (Store s = LibKV.open("boltdb:" + file + "?readOnly=true" + mode)) {
      assertThat(s.description()).contains("readOnly=true");
      assertThat(new String(s.get("a/k").value(), UTF_8)).isEqualTo("v");
      assertThat(s.list("a")).hasSize(1);
      assertThat(s.exists("a/x")).isFalse();
      assertThatThrownBy(() -> s.put("a/k", new byte[] {1}))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("read-only")
          .hasMessageContaining("a/k");
      assertThatThrownBy(() -> s.delete("a/k")).isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> s.deleteTree("a")).isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> s.atomicCreate("a/n", new byte[] {1}, WriteOptions.DEFAULT))
          .isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(
              () -> s.put("e", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(5))))
          .isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> s.newLock("l").lock()).isInstanceOf(PermissionDeniedException.class);
      assertThat(new String(s.get("a/k").value(), UTF_8)).isEqualTo("v");
    }
    assertThat(Arrays.equals(Files.readAllBytes(file), before))
        .as("the file's bytes after a read-only store")
        .isTrue();
  }

  @Test
  void aMissingFileIsNotCreated() {
    Path file = dir.resolve("sub/missing.db");
    assertThatThrownBy(() -> LibKV.open("boltdb:" + file + "?readOnly=true").close())
        .isInstanceOf(KVException.class)
        .isNotInstanceOf(KeyNotFoundException.class)
        .hasMessageContaining("no such file")
        .hasMessageContaining(file.toString());
    assertThat(Files.exists(file.getParent())).isFalse();
  }

  @Test
  void readOnlyTakesTrueOrFalse() {
    assertThatThrownBy(() -> LibKV.open("boltdb:" + dir.resolve("x.db") + "?readOnly=maybe"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("readOnly");
  }
}
