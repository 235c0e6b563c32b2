package io.libkv.testkit;

import io.libkv.Secret;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStoreProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** memory:'s row of the parameter table (docs/cli.md): it takes maxValueBytes and nothing else. */
class MemoryConfigurationTest {
  @TempDir Path dir;

  @Test
  void itsRowOfTheParameterTableHolds() {
    MemoryStoreProvider provider = new MemoryStoreProvider();
    ConfigurationChecks.assertParameterTable(
        provider.name(), provider.parameters(), q -> "memory:cfg?" + q, dir);
  }

  @Test
  void credentialsFromTheConfigurationAreRefused() {
    ConfigurationChecks.assertRefused(
        "memory:cfg",
        StoreConfig.builder().username("u").password(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("username", "password", "memory"));
    ConfigurationChecks.assertRefused(
        "memory:cfg",
        StoreConfig.builder().token(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("token", "memory"));
  }
}
