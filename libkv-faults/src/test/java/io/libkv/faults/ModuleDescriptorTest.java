package io.libkv.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Guards the public surface of io.libkv.faults. */
class ModuleDescriptorTest {
  @Test
  void exportsTheFaultsPackageAlone() throws Exception {
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      ModuleDescriptor d = ModuleDescriptor.read(in);
      assertThat(d.name()).isEqualTo("io.libkv.faults");
      assertThat(
              d.exports().stream()
                  .map(ModuleDescriptor.Exports::source)
                  .collect(Collectors.toSet()))
          .containsExactly("io.libkv.faults");
      assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name))
          .as("libkv-core alone (and the compile-time nullness annotations)")
          .containsExactlyInAnyOrder("java.base", "io.libkv", "org.jspecify");
    }
  }
}
