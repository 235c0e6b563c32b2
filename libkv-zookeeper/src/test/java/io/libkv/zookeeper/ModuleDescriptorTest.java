package io.libkv.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.zookeeper.internal.ZooKeeperStoreProvider;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Guards the module's surface: it exports its typed entry point's package and provides the backend,
 * both ways.
 */
class ModuleDescriptorTest {
  @Test
  void exportsTheEntryPointAndProvidesTheBackend() throws Exception {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv.zookeeper");
    assertThat(d.exports())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.source()).isEqualTo("io.libkv.zookeeper");
              assertThat(e.isQualified()).isFalse();
            });
    assertThat(d.opens()).isEmpty();
    assertThat(d.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo("io.libkv.spi.StoreProvider");
              assertThat(p.providers()).containsExactly(ZooKeeperStoreProvider.class.getName());
            });
    assertThat(
            d.requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(
            "java.base", "io.libkv", "curator.framework", "curator.client", "zookeeper");
    // the nullness annotations are needed at compile time only
    assertThat(
            d.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()))
        .containsExactly("org.jspecify");
    assertThat(
            Files.readString(Path.of("target/classes/META-INF/services/io.libkv.spi.StoreProvider"))
                .trim())
        .isEqualTo(ZooKeeperStoreProvider.class.getName());
    assertThat(LibKV.installedSchemes()).contains("zk", "zookeeper");
  }
}
