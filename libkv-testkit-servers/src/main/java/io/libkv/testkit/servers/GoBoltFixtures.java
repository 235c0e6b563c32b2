package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Database files written by Go's own bbolt libraries, made during the test run by the Go checker
 * ({@code .ci/bolt-go-check}, named by the system property {@value #PROPERTY}; {@code ./test}
 * builds it and passes it). For each fixture {@code NAME} the directory receives {@code NAME.db},
 * its canonical dump {@code NAME.dump} and a manifest {@code NAME.json}; {@code index.json} lists
 * them.
 */
public final class GoBoltFixtures {
  /** The system property that names the Go checker binary. */
  public static final String PROPERTY = "libkv.go.checker";

  private GoBoltFixtures() {}

  /** The checker binary, when the build named one. */
  public static Optional<Path> checker() {
    String p = System.getProperty(PROPERTY, "");
    return p.isEmpty() ? Optional.empty() : Optional.of(Path.of(p));
  }

  /**
   * Writes the named fixtures (all of them when none is named) into {@code dir} and returns it.
   *
   * @throws IllegalStateException when no checker is named or it fails
   */
  public static Path write(Path dir, String... names) {
    Path checker =
        checker()
            .orElseThrow(
                () -> new IllegalStateException("system property " + PROPERTY + " is not set"));
    List<String> cmd = new ArrayList<>(List.of(checker.toString(), "fixtures", dir.toString()));
    cmd.addAll(List.of(names));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("Go fixture writer did not finish within 300 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "Go fixture writer failed (exit " + p.exitValue() + "): " + out);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing Go fixtures", e);
    }
  }
}
