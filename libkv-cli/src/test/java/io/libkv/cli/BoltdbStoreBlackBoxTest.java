package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's checks black-box on a {@code boltdb:} file, the store that separate {@code libkv}
 * processes share: the whole {@link CliSharedStoreContract} through the launcher, the default store
 * and a watch seeing another process's write.
 */
class BoltdbStoreBlackBoxTest extends CliSharedStoreContract {
  @Override
  CliRunner newRunner(Path workDir) {
    return new LauncherRunner(workDir);
  }

  @Override
  String newStoreUri(Path dir) {
    return "boltdb:" + dir.resolve("t.db");
  }

  @Test
  void defaultStoreIsLibkvDbInTheWorkingDirectory() {
    assertOk(libEnv(Map.of(), "put", "k", "v"));
    Result get = libEnv(Map.of(), "get", "k");
    assertOk(get);
    assertThat(get.out()).isEqualTo("v");
    assertThat(Files.isRegularFile(tmp.resolve("libkv.db"))).isTrue();
    Result verbose = libEnv(Map.of(), "--verbose", "exists", "k");
    assertThat(verbose.exitCode).isZero();
    assertThat(verbose.stderr).containsPattern("using store boltdb:\\S*/libkv\\.db\\b");
    // in the libkv bucket, as the bolt tools show
    assertThat(libEnv(Map.of(), "bolt", "keys", "libkv.db", "libkv").lines()).containsExactly("k");
  }

  @Test
  void readsOfTheDefaultStoreInAnEmptyDirectoryCreateNothing() {
    assertError(libEnv(Map.of(), "get", "x"), 1, "\"x\"");
    assertThat(libEnv(Map.of(), "exists", "x").exitCode).isEqualTo(1);
    assertThat(libEnv(Map.of(), "ls").exitCode).isZero();
    assertThat(Files.exists(tmp.resolve("libkv.db"))).as("libkv.db after reads").isFalse();
  }

  @Test
  void watchSeesAnotherProcesssPutWithinASecond() throws Exception {
    assertOk(lib("put", "other", "x")); // the file: a watch waits for it rather than create it
    Running w = start("watch", "w");
    assertThat(w.nextLine(WAIT)).matches("absent w [0-9]+");
    long t0 = System.nanoTime();
    assertOk(lib("put", "w", "from-another-process"));
    long written = System.nanoTime();
    assertThat(w.nextLine(WAIT)).matches("put w [0-9]+ from-another-process");
    Duration seen = Duration.ofNanos(System.nanoTime() - written);
    assertThat(seen)
        .as("put took %s, seen %s after it", Duration.ofNanos(written - t0), seen)
        .isLessThan(Duration.ofMillis(1500));
    assertOk(w.stop(WAIT));
  }

  @Test
  void exclusiveModeInTheUriStillOverridesShared() throws Exception {
    // a running watch in the CLI's shared mode never locks out another command
    assertOk(lib("put", "other", "x")); // the file: a watch waits for it rather than create it
    Running w = start("watch", "x");
    assertThat(w.nextLine(WAIT)).startsWith("absent x");
    assertOk(lib("put", "x", "1"));
    assertThat(w.nextLine(WAIT)).startsWith("put x");
    assertOk(w.stop(WAIT));
    // mode=exclusive is accepted and works on its own
    assertOk(libEnv(Map.of(), "--store", store + "?mode=exclusive", "put", "y", "2"));
    assertThat(libEnv(Map.of(), "--store", store + "?mode=exclusive", "get", "y").out())
        .isEqualTo("2");
  }

  /** docs/cli.md's {@code txn} on a {@code boltdb:} file and on the default store. */
  @org.junit.jupiter.api.Nested
  class Transactions extends CliTransactionContract {
    @Override
    CliRunner newRunner(Path workDir) {
      return BoltdbStoreBlackBoxTest.this.newRunner(workDir);
    }

    @Override
    String newStoreUri(Path dir) {
      return BoltdbStoreBlackBoxTest.this.newStoreUri(dir);
    }

    @Test
    void onTheDefaultStoreAndSeenByAnotherProcesssWatchAsOneIndex() throws Exception {
      assertOk(libEnv(Map.of(), "put", "d/old", "o"));
      CliRunner.Running w = runner.start(Map.of(), java.util.List.of("watch", "-r", "d"));
      assertThat(w.nextLine(WAIT)).startsWith("current d/old ");
      Result r =
          libEnv(Map.of(), "txn", "--if-present", "d/old", "--put", "d/a=1", "--delete", "d/old");
      assertOk(r);
      String index = r.lines().get(0).substring("committed ".length());
      assertThat(Files.isRegularFile(tmp.resolve("libkv.db"))).isTrue();
      // one change set: both lines carry the commit's index
      java.util.List<String> seen = java.util.List.of(w.nextLine(WAIT), w.nextLine(WAIT));
      assertThat(seen)
          .containsExactlyInAnyOrder("put d/a " + index + " 1", "delete d/old " + index);
      assertOk(w.stop(WAIT));
    }
  }
}
