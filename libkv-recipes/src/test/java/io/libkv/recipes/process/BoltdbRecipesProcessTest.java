package io.libkv.recipes.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The recipes across processes sharing one bbolt file (shared mode). */
class BoltdbRecipesProcessTest extends RecipesProcessKit {
  private Path dir;

  @Override
  protected void startServers() throws Exception {
    dir = Files.createTempDirectory("libkv-recipes-bolt-");
  }

  @Override
  protected void stopServers() throws Exception {
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Override
  protected String uri(int n) {
    return observerUri();
  }

  @Override
  protected String observerUri() {
    return "boltdb:" + dir.resolve("recipes.db") + "?mode=shared";
  }
}
