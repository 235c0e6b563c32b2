package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's checks, black-box: every command runs {@code ./libkv} as a separate process.
 *
 * <p>The store under test is {@code -Dlibkv.cli.test.store=URI} ({@code {dir}} is replaced by a
 * fresh temporary directory), default {@code memory:}. On {@code memory:} every process has its own
 * data; the checks that need two commands to share a store ({@link CliSharedStoreContract}) run
 * black-box on a {@code boltdb:} file in {@link BoltdbStoreBlackBoxTest}.
 */
class LauncherBlackBoxTest extends CliContract {
  @Override
  CliRunner newRunner(Path workDir) {
    return new LauncherRunner(workDir);
  }

  @Override
  String newStoreUri(Path dir) {
    return System.getProperty("libkv.cli.test.store", "memory:").replace("{dir}", dir.toString());
  }

  @Test
  void stderrIsEmptyOnSuccessAndVersionWorks() {
    Result r = libEnv(Map.of(), "--version");
    assertOk(r);
    assertThat(r.out()).startsWith("libkv ");
  }

  @Test
  void stdinBinaryValueIsAccepted() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    assertOk(libIn(all, "put", "bin", "-"));
  }
}
