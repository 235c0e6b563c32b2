package io.libkv.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Guards the public surface of io.libkv.spring.boot and what Spring Boot finds in the jar. */
class ModuleDescriptorTest {
  @Test
  void exportsTheUserFacingPackageOnly() throws Exception {
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      ModuleDescriptor d = ModuleDescriptor.read(in);
      assertThat(d.name()).isEqualTo("io.libkv.spring.boot");
      assertThat(
              d.exports().stream()
                  .map(ModuleDescriptor.Exports::source)
                  .collect(Collectors.toSet()))
          .containsExactly("io.libkv.spring.boot");
    }
  }

  @Test
  void registersItsAutoConfigurationTheBoot4WayWithPropertyMetadata() throws Exception {
    assertThat(
            Files.readAllLines(
                Path.of(
                    "target/classes/META-INF/spring/"
                        + "org.springframework.boot.autoconfigure.AutoConfiguration.imports")))
        .containsExactly(
            "io.libkv.spring.boot.internal.LibKVAutoConfiguration",
            "io.libkv.spring.boot.internal.LibKVHealthAutoConfiguration",
            "io.libkv.spring.boot.internal.LibKVLeaderAutoConfiguration",
            "io.libkv.spring.boot.internal.LibKVMetricsAutoConfiguration");
    String metadata =
        Files.readString(Path.of("target/classes/META-INF/spring-configuration-metadata.json"));
    assertThat(metadata)
        .contains("\"libkv.uri\"", "\"libkv.password-file\"", "\"libkv.leader.key\"")
        .contains("The store's URI");
  }
}
