package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md stays true: it names every module of the build and every package a module
 * exports, and every backend follows the one package convention it describes (the exported package
 * holds the typed entry point alone; everything else is in an {@code internal} package that is not
 * exported).
 */
class ArchitectureDocTest {
  private static final Pattern EXPORT = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;");
  private static final Pattern PUBLIC_TYPE =
      Pattern.compile(
          "(?m)^public\\s+(?:final\\s+|abstract\\s+|sealed\\s+)*(?:class|interface|record|enum)\\s+(\\w+)");

  private static String doc() throws IOException {
    return Files.readString(SpiUseTest.root().resolve("docs/architecture.md"));
  }

  private static Map<String, Path> allModules() throws IOException {
    Path root = SpiUseTest.root();
    TreeMap<String, Path> all = new TreeMap<>(SpiUseTest.modules(root, true));
    all.putAll(SpiUseTest.modules(root, false));
    all.put("libkv-core", root.resolve("libkv-core"));
    return all;
  }

  /** The packages a module exports to everyone. */
  private static List<String> exports(Path module) throws IOException {
    Path descriptor = module.resolve("src/main/java/module-info.java");
    List<String> out = new ArrayList<>();
    if (Files.exists(descriptor)) {
      Matcher m = EXPORT.matcher(Files.readString(descriptor));
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  @Test
  void namesEveryModuleAndEveryExportedPackage() throws IOException {
    String doc = doc();
    TreeSet<String> missing = new TreeSet<>();
    for (Map.Entry<String, Path> e : allModules().entrySet()) {
      if (!doc.contains("`" + e.getKey() + "`")) {
        missing.add("module " + e.getKey());
      }
      for (String p : exports(e.getValue())) {
        if (!doc.contains("`" + p + "`")) {
          missing.add("package " + p + " (exported by " + e.getKey() + ")");
        }
      }
    }
    assertThat(missing).as("missing from docs/architecture.md").isEmpty();
  }

  @Test
  void everyBackendExportsItsTypedEntryPointAloneAndKeepsTheRestInternal() throws IOException {
    String doc = doc();
    TreeSet<String> problems = new TreeSet<>();
    for (Map.Entry<String, Path> e : SpiUseTest.modules(SpiUseTest.root(), true).entrySet()) {
      Path src = e.getValue().resolve("src/main/java");
      List<String> exported = exports(e.getValue());
      if (exported.size() != 1) {
        problems.add(e.getKey() + " exports " + exported + ", not one package");
        continue;
      }
      String pkg = exported.get(0);
      Path dir = src.resolve(pkg.replace('.', '/'));
      List<String> entryPoints = new ArrayList<>();
      for (Path f : SpiUseTest.files(dir, ".java")) {
        String name = f.getFileName().toString();
        if (!f.getParent().equals(dir) || name.equals("package-info.java")) {
          continue;
        }
        Matcher m = PUBLIC_TYPE.matcher(Files.readString(f));
        if (m.find() && m.group(1).endsWith("Options")) {
          entryPoints.add(m.group(1));
        } else {
          problems.add(
              e.getKey()
                  + ": "
                  + name
                  + " is in the exported package "
                  + pkg
                  + " but is not the typed entry point (move it to "
                  + pkg
                  + ".internal)");
        }
      }
      if (entryPoints.size() != 1) {
        problems.add(
            e.getKey()
                + ": the exported package "
                + pkg
                + " holds "
                + entryPoints
                + ", not one <Name>Options entry point");
      } else if (!doc.contains("`" + entryPoints.get(0) + "`")) {
        problems.add(e.getKey() + ": docs/architecture.md does not name " + entryPoints.get(0));
      }
      if (!Files.isDirectory(dir.resolve("internal"))) {
        problems.add(e.getKey() + ": no " + pkg + ".internal package");
      }
    }
    assertThat(problems).as("backend package convention").isEmpty();
  }
}
