package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every package of every module's main code is {@code @NullMarked}, so NullAway checks it: a
 * package added without its package-info.java would silently leave nulls unchecked.
 */
class NullMarkedPackagesTest {
  @Test
  void everyMainPackageIsNullMarked() throws IOException {
    Path root = SpiUseTest.root();
    Map<String, Path> modules = new TreeMap<>(SpiUseTest.modules(root, true));
    modules.putAll(SpiUseTest.modules(root, false));
    modules.put("libkv-core", root.resolve("libkv-core"));
    TreeSet<String> unmarked = new TreeSet<>();
    int packages = 0;
    for (Path module : modules.values()) {
      Path src = module.resolve("src/main/java");
      TreeSet<Path> dirs = new TreeSet<>();
      for (Path f : SpiUseTest.files(src, ".java")) {
        if (!f.getFileName().toString().equals("module-info.java")) {
          dirs.add(f.getParent());
        }
      }
      for (Path dir : dirs) {
        packages++;
        Path info = dir.resolve("package-info.java");
        if (!Files.exists(info) || !Files.readString(info).contains("@NullMarked")) {
          unmarked.add(root.relativize(dir).toString());
        }
      }
    }
    assertThat(packages).as("packages found").isGreaterThan(20);
    assertThat(unmarked).as("packages without @NullMarked in package-info.java").isEmpty();
  }
}
