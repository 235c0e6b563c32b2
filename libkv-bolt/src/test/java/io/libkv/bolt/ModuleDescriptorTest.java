package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports only the API package; internals stay hidden. */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyTheApiPackage() throws Exception {
    Path info = Path.of("target", "classes", "module-info.class");
    assertThat(info).exists();
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(info)) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv.bolt");
    assertThat(
            d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
        .containsExactly("io.libkv.bolt");
    assertThat(d.exports()).allMatch(e -> !e.isQualified());
    assertThat(
            d.requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("java.base", "com.sun.jna");
    // the nullness annotations are needed at compile time only
    assertThat(
            d.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactly("org.jspecify");
  }
}
