package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Read commands never create or change anything (docs/cli.md): they open a {@code boltdb:} file
 * read-only, a missing file reads as an empty store, and a watch waits for the file to appear.
 * Tests run as root, whom a 0444 file does not stop, so read-only opening is checked by its
 * effects: no file created, not a byte changed.
 */
class ReadCommandsTest extends CliTestBase {
  @Override
  CliRunner newRunner(Path workDir) {
    return new InProcessRunner();
  }

  @Override
  String newStoreUri(Path dir) {
    return "boltdb:" + dir.resolve("sub/libkv.db");
  }

  private Path file() {
    return tmp.resolve("sub/libkv.db");
  }

  @Test
  void aMissingFileReadsAsAnEmptyStoreAndIsNotCreated() {
    assertError(lib("get", "x"), 1, "\"x\"");
    Result exists = lib("exists", "x");
    assertThat(exists.exitCode).isEqualTo(1);
    assertThat(exists.stderr).isEmpty();
    assertOk(lib("ls"));
    assertThat(lib("ls").stdout).isEmpty();
    assertError(lib("ls", "dir"), 1, "dir");
    assertOk(lib("export"));
    assertThat(lib("export", "--json").stdout).isEmpty();
    assertThat(lib("leader", "e").exitCode).isEqualTo(1);
    assertOk(lib("members", "svc"));
    assertError(lib("get", "a//b"), 2, "a//b");
    assertThat(Files.exists(tmp.resolve("sub"))).as("the directory of the missing file").isFalse();
  }

  @Test
  void readsLeaveTheFileByteForByte() throws Exception {
    assertOk(lib("put", "a/k", "v"));
    byte[] before = Files.readAllBytes(file());
    assertThat(lib("get", "a/k").out()).isEqualTo("v");
    assertOk(lib("exists", "a/k"));
    assertThat(lib("ls", "a").lines()).containsExactly("a/k");
    assertThat(lib("export").lines()).hasSize(1);
    assertThat(Arrays.equals(Files.readAllBytes(file()), before))
        .as("the file after reads")
        .isTrue();
  }

  @Test
  void aWriteThroughAReadOnlyStoreIsRefused() {
    assertOk(lib("put", "k", "v"));
    Result r = libEnv(Map.of(), "--store", store + "?readOnly=true", "put", "k", "w");
    assertError(r, 5, "read-only", "\"k\"");
    assertThat(libEnv(Map.of(), "--store", store + "?readOnly=true", "get", "k").out())
        .isEqualTo("v");
  }

  @Test
  void aWatchWaitsForTheFileWithoutCreatingIt() throws Exception {
    Running w = start("watch", "k");
    assertThat(w.nextLine(Duration.ofMillis(500))).isNull();
    assertThat(Files.exists(file())).isFalse();
    assertOk(lib("put", "k", "v"));
    String line = w.nextLine(WAIT);
    if (line.startsWith("absent")) {
      line = w.nextLine(WAIT); // it looked between the file's creation and the put
    }
    assertThat(line).matches("(current|put) k [0-9]+ v");
    assertOk(w.stop(WAIT));
  }

  @Test
  void errorsSayWhatTheOperatingSystemSaid() throws Exception {
    // root may write anywhere a permission bit forbids; sysfs refuses it new files all the same
    Path denied = Path.of("/sys/libkv-compact-" + ProcessHandle.current().pid() + ".db");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(denied.getParent()));
    assertOk(lib("put", "k", "v"));
    Result r = libEnv(Map.of(), "bolt", "compact", file().toString(), denied.toString());
    assertError(r, 5, "permission denied", denied.toString());
    assertThat(r.stderr).doesNotContain(denied + ": " + denied);
    Result put = libEnv(Map.of(), "--store", "boltdb:" + denied, "put", "k", "v");
    assertError(put, 5, "permission denied");
  }
}
