package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The SPI is for backend authors: a module of the build that provides no store (recipes, CLI, kit,
 * benchmarks and any module added later) uses the user API and its utilities only, never {@code
 * io.libkv.spi}, so the SPI can change with the backends alone.
 */
class SpiUseTest {
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern PROVIDES_STORE =
      Pattern.compile("provides\\s+io\\.libkv\\.spi\\.StoreProvider\\b");
  // spelled in two parts so this file does not name it
  private static final String SPI = "io.libkv." + "spi";

  /** A store's own open-check for its collaborators, beside the one AbstractStore hands them. */
  private static final Pattern FORWARDER =
      Pattern.compile(
          "\\b(?:boolean|void)\\s+(?:isOpen|ensureOpen|requireOpen|isClosedForLocks|closed|isClosed)\\s*\\(\\s*\\)");

  static Path root() {
    Path root = Path.of(System.getProperty("libkv.repo.root", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("pom.xml")).as("repository root " + root).exists();
    return root;
  }

  /** The modules of the root POM but core, by name: the backends ({@code true}) or the others. */
  static TreeMap<String, Path> modules(Path root, boolean backends) throws IOException {
    TreeMap<String, Path> out = new TreeMap<>();
    Matcher m = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    while (m.find()) {
      String name = m.group(1).trim();
      Path module = root.resolve(name);
      if (!name.equals("libkv-core") && isBackend(module) == backends) {
        out.put(name, module);
      }
    }
    return out;
  }

  /** A backend is a module whose descriptor provides a StoreProvider. */
  private static boolean isBackend(Path module) throws IOException {
    Path descriptor = module.resolve("src/main/java/module-info.java");
    return Files.exists(descriptor) && PROVIDES_STORE.matcher(Files.readString(descriptor)).find();
  }

  /** The files below {@code dir} ending in {@code suffix}; none if there is no such directory. */
  static List<Path> files(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(f -> Files.isRegularFile(f) && f.toString().endsWith(suffix))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void onlyBackendsUseTheSpiInTheirMainSources() throws IOException {
    Path root = root();
    TreeMap<String, Path> others = modules(root, false);
    TreeSet<String> offenders = new TreeSet<>();
    for (Path module : others.values()) {
      for (Path f : files(module.resolve("src/main"), "")) {
        String[] lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
          if (lines[i].contains(SPI)) {
            offenders.add(root.relativize(f) + ":" + (i + 1) + ": " + lines[i].trim());
          }
        }
      }
    }
    // the scan found the modules it is about: a renamed directory must not make it pass by checking
    // nothing
    assertThat(others).containsKeys("libkv-recipes", "libkv-cli", "libkv-testkit", "libkv-bench");
    assertThat(offenders)
        .as("main sources of modules that provide no store naming %s", SPI)
        .isEmpty();
  }

  @Test
  void backendStoresGiveTheirCollaboratorsTheSpisOneOpenCheckNotAForwarderOfTheirOwn()
      throws IOException {
    Path root = root();
    TreeMap<String, Path> backends = modules(root, true);
    TreeSet<String> forwarders = new TreeSet<>();
    for (Path module : backends.values()) {
      for (Path f : files(module.resolve("src/main/java"), ".java")) {
        String text = Files.readString(f);
        Matcher m = FORWARDER.matcher(text);
        while (text.contains("extends AbstractStore") && m.find()) {
          forwarders.add(root.relativize(f) + ": " + m.group());
        }
      }
    }
    assertThat(backends)
        .containsKeys("libkv-etcd", "libkv-consul", "libkv-zookeeper", "libkv-boltdb");
    assertThat(forwarders)
        .as("open-checks declared by backend stores (AbstractStore.openCheck() is the one)")
        .isEmpty();
  }
}
