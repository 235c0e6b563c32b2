package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Guards the public surface: an accidental export fails the build. */
class ModuleDescriptorTest {
  @Test
  void exportsTheApiItsUtilitiesTheSpiAndTheMemoryStoreAndTheKitHookToTheKitAlone()
      throws Exception {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv");
    assertThat(
            d.exports().stream()
                .filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("io.libkv", "io.libkv.util", "io.libkv.spi", "io.libkv.memory");
    // what only the conformance kit reads (leak counters) is no part of the API nor of the SPI
    assertThat(
            d.exports().stream()
                .filter(ModuleDescriptor.Exports::isQualified)
                .collect(
                    Collectors.toMap(
                        ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets)))
        .containsExactly(
            java.util.Map.entry("io.libkv.internal.kit", java.util.Set.of("io.libkv.testkit")));
    assertThat(d.uses())
        .containsExactlyInAnyOrder("io.libkv.spi.StoreProvider", "io.libkv.util.StoreDecorator");
    assertThat(d.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo("io.libkv.spi.StoreProvider");
              assertThat(p.providers()).containsExactly("io.libkv.memory.MemoryStoreProvider");
            });
    assertThat(
            d.requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactly("java.base");
    // the nullness annotations are needed at compile time only
    assertThat(
            d.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactly("org.jspecify");
  }
}
