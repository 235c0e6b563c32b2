package io.libkv.spring.boot.bolt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application on a bbolt file in a temporary directory: its Store bean is a boltdb store, and
 * what it writes is committed to the file.
 */
@SpringBootTest
class BoltApplicationTest {
  @TempDir static Path dir;

  @DynamicPropertySource
  static void store(DynamicPropertyRegistry registry) {
    registry.add("libkv.uri", () -> "boltdb:" + dir.resolve("app.db"));
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Autowired Store store;

  @Test
  void theApplicationWritesToTheFile() {
    String uri = "boltdb:" + dir.resolve("app.db");
    assertThat(store.capabilities().backend()).isEqualTo("boltdb");
    store.put("orders/1", "paid".getBytes(UTF_8));
    assertThat(new String(store.get("orders/1").value(), UTF_8)).isEqualTo("paid");
    // in the file: another store on it, read-only, sees the committed write
    try (Store reader = LibKV.open(uri + "?readOnly")) {
      assertThat(new String(reader.get("orders/1").value(), UTF_8)).isEqualTo("paid");
    }
  }
}
