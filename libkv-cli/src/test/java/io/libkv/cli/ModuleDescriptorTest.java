package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The CLI module exports nothing: its interface is the command line. */
class ModuleDescriptorTest {
  @Test
  void exportsNothingAndOpensItsCommandsToPicocliOnly() throws Exception {
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.libkv.cli");
    assertThat(d.exports()).isEmpty();
    assertThat(d.opens())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.source()).isEqualTo("io.libkv.cli");
              assertThat(o.targets()).containsExactly("info.picocli");
            });
  }
}
