package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The SPI is for backend authors: a module of the build that provides no store (recipes, CLI,
 * kit, benchmarks and any module added later) uses the user API and its utilities only, never
 * {@code io.libkv.spi}, so the SPI can change with the backends alone.
 */
class SpiUseTest {
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern PROVIDES_STORE = Pattern.compile("provides\\s+io\\.libkv\\.spi\\.StoreProvider\\b");
  // spelled in two parts so this file does not name it
  private static final String SPI = "io.libkv." + "spi";
  /** A store's own open-check for its collaborators, beside the one AbstractStore hands them. */
  private static final Pattern FORWARDER = Pattern.compile(
      "\\b(?:boolean|void)\\s+(?:isOpen|ensureOpen|requireOpen|isClosedForLocks|closed|isClosed)\\s*\\(\\s*\\)");

  private static Path root() {
    Path root = Path.of(System.getProperty("libkv.repo.root", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("pom.xml")).as("repository root " + root).exists();
    return root;
  }

  private static List<String> modules(Path root) throws IOException {
    List<String> modules = new ArrayList<>();
    Matcher m = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    while (m.find()) {
      modules.add(m.group(1).trim());
    }
    return modules;
  }

  /** A backend is a module whose descriptor provides a StoreProvider; core defines the SPI. */
  private static boolean mayUseSpi(Path module) throws IOException {
    if (module.getFileName().toString().equals("libkv-core")) {
      return true;
    }
    Path descriptor = module.resolve("src/main/java/module-info.java");
    return Files.exists(descriptor) && PROVIDES_STORE.matcher(Files.readString(descriptor)).find();
  }

  @Test
  void onlyBackendsUseTheSpiInTheirMainSources() throws IOException {
    Path root = root();
    TreeSet<String> checked = new TreeSet<>();
    TreeSet<String> offenders = new TreeSet<>();
    for (String name : modules(root)) {
      Path module = root.resolve(name);
      if (mayUseSpi(module)) {
        continue;
      }
      checked.add(name);
      Path main = module.resolve("src/main");
      if (!Files.isDirectory(main)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(main)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          List<String> lines = List.of(new String(Files.readAllBytes(f), StandardCharsets.UTF_8).split("\n", -1));
          for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(SPI)) {
              offenders.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).trim());
            }
          }
        }
      }
    }
    // the scan found the modules it is about: a renamed directory must not make it pass by checking nothing
    assertThat(checked).contains("libkv-recipes", "libkv-cli", "libkv-testkit", "libkv-bench");
    assertThat(offenders).as("main sources of modules that provide no store naming %s", SPI).isEmpty();
  }

  @Test
  void backendStoresGiveTheirCollaboratorsTheSpisOneOpenCheckNotAForwarderOfTheirOwn() throws IOException {
    Path root = root();
    TreeSet<String> backends = new TreeSet<>();
    TreeSet<String> forwarders = new TreeSet<>();
    for (String name : modules(root)) {
      Path module = root.resolve(name);
      Path main = module.resolve("src/main/java");
      if (name.equals("libkv-core") || !mayUseSpi(module) || !Files.isDirectory(main)) {
        continue;
      }
      backends.add(name);
      try (Stream<Path> files = Files.walk(main)) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
          String text = Files.readString(f);
          if (!text.contains("extends AbstractStore")) {
            continue;
          }
          Matcher m = FORWARDER.matcher(text);
          while (m.find()) {
            forwarders.add(root.relativize(f) + ": " + m.group());
          }
        }
      }
    }
    assertThat(backends).contains("libkv-etcd", "libkv-consul", "libkv-zookeeper", "libkv-boltdb");
    assertThat(forwarders).as("open-checks declared by backend stores (AbstractStore.openCheck() is the one)")
        .isEmpty();
  }
}
