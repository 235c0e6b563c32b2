package io.libkv.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Guards the public surface: the backend exports its typed entry point's package and provides its
 * StoreProvider.
 */
class ModuleDescriptorTest {
  @Test
  void exportsTheEntryPointAndProvidesTheStoreProvider() throws Exception {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv.redis");
    assertThat(d.exports())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.source()).isEqualTo("io.libkv.redis");
              assertThat(e.isQualified()).isFalse();
            });
    assertThat(d.opens()).isEmpty();
    assertThat(d.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo("io.libkv.spi.StoreProvider");
              assertThat(p.providers())
                  .containsExactly("io.libkv.redis.internal.RedisStoreProvider");
            });
    assertThat(
            d.requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("java.base", "io.libkv", "lettuce.core");
    // the nullness annotations are needed at compile time only
    assertThat(
            d.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactly("org.jspecify");
  }

  @Test
  void classPathUsersFindTheProviderToo() throws Exception {
    assertThat(
            Files.readString(Path.of("target/classes/META-INF/services/io.libkv.spi.StoreProvider"))
                .trim())
        .isEqualTo("io.libkv.redis.internal.RedisStoreProvider");
  }
}
