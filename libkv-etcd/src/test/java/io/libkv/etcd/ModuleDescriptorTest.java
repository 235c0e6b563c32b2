package io.libkv.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * Guards the public surface: the module exports its typed entry point's package and provides the
 * store provider, on both paths.
 */
class ModuleDescriptorTest {
  @Test
  void exportsTheEntryPointAndProvidesTheStoreProvider() throws Exception {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv.etcd");
    assertThat(d.exports())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.source()).isEqualTo("io.libkv.etcd");
              assertThat(e.isQualified()).isFalse();
            });
    assertThat(d.opens()).isEmpty();
    assertThat(d.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo("io.libkv.spi.StoreProvider");
              assertThat(p.providers()).containsExactly("io.libkv.etcd.internal.EtcdStoreProvider");
            });
  }

  @Test
  void theClassPathFindsTheProviderThroughMetaInfServices() throws Exception {
    assertThat(
            Files.readAllLines(
                Path.of("target/classes/META-INF/services/io.libkv.spi.StoreProvider")))
        .containsExactly("io.libkv.etcd.internal.EtcdStoreProvider");
    assertThat(
            ServiceLoader.load(io.libkv.spi.StoreProvider.class).stream()
                .map(p -> p.type().getName()))
        .contains("io.libkv.etcd.internal.EtcdStoreProvider");
    assertThat(LibKV.installedSchemes()).contains("etcd", "etcds");
  }
}
