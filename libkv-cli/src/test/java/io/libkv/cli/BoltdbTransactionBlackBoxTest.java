package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/cli.md's {@code txn} through the launcher on a {@code boltdb:} file, the default store. */
class BoltdbTransactionBlackBoxTest extends CliTransactionContract {
  @Override
  CliRunner newRunner(Path workDir) {
    return new LauncherRunner(workDir);
  }

  @Override
  String newStoreUri(Path dir) {
    return "boltdb:" + dir.resolve("t.db");
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
    assertThat(seen).containsExactlyInAnyOrder("put d/a " + index + " 1", "delete d/old " + index);
    assertOk(w.stop(WAIT));
  }
}
