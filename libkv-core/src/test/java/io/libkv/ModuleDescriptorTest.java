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
  void exportsTheApiTheSpiAndTheMemoryStoreOnly() throws Exception {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv");
    assertThat(d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("io.libkv", "io.libkv.spi", "io.libkv.memory");
    assertThat(d.exports()).allMatch(e -> !e.isQualified());
    assertThat(d.uses()).containsExactly("io.libkv.spi.StoreProvider");
    assertThat(d.provides()).singleElement().satisfies(p -> {
      assertThat(p.service()).isEqualTo("io.libkv.spi.StoreProvider");
      assertThat(p.providers()).containsExactly("io.libkv.memory.MemoryStoreProvider");
    });
    assertThat(d.requires().stream().filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
        .containsExactly("java.base");
    // the nullness annotations are needed at compile time only
    assertThat(d.requires().stream().filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet())).containsExactly("org.jspecify");
  }
}
