package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's operator features, in this JVM on a named memory store shared by the test's runs:
 * {@code watch --from-index}, {@code lock}'s fencing token for CMD, {@code status}, shell
 * completion, and what a mistyped command says.
 */
class OperatorCommandsTest extends CliTestBase {
  @Override
  CliRunner newRunner(Path workDir) {
    return new InProcessRunner();
  }

  @Override
  String newStoreUri(Path dir) {
    return "memory:ops-" + UUID.randomUUID();
  }

  private long put(String key, String value) {
    Result r = lib("cas", key, value, "--create");
    assertOk(r);
    return Long.parseLong(r.lines().get(0));
  }

  @Test
  void watchFromAnIndexReplaysOnlyWhatHappenedAfterIt() throws Exception {
    long first = put("f/a", "1");
    long second = put("f/b", "2");
    Running w = start("watch", "-r", "f", "--from-index", Long.toString(first));
    assertThat(w.nextLine(WAIT)).isEqualTo("put f/b " + second + " 2");
    long third = put("f/c", "3");
    assertThat(w.nextLine(WAIT)).isEqualTo("put f/c " + third + " 3");
    assertOk(w.stop(WAIT));
    Running k = start("watch", "f/a", "--from-index", Long.toString(first));
    assertOk(lib("put", "f/a", "4"));
    assertThat(k.nextLine(WAIT)).matches("put f/a [0-9]+ 4");
    assertOk(k.stop(WAIT));
    assertError(lib("watch", "f/a", "--from-index", "0"), 2, "--from-index");
  }

  @Test
  void lockGivesCmdTheFencingToken() {
    Result r = lib("lock", "fl", "--", "sh", "-c", "echo \"token=$LIBKV_FENCING_TOKEN\"");
    assertOk(r);
    assertThat(r.out()).matches("token=[1-9][0-9]*\n");
    long t1 = Long.parseLong(r.out().trim().substring("token=".length()));
    Result again = lib("lock", "fl", "--", "sh", "-c", "echo \"$LIBKV_FENCING_TOKEN\"");
    assertOk(again);
    assertThat(Long.parseLong(again.out().trim())).as("tokens grow").isGreaterThan(t1);
  }

  @Test
  void statusDescribesTheStore() {
    Result r = lib("status");
    assertOk(r);
    assertThat(r.out())
        .contains("store: " + store)
        .contains("backend: memory")
        .contains("connection: connected");
    Result j = lib("status", "--json");
    assertOk(j);
    assertThat(j.lines())
        .singleElement()
        .asString()
        .startsWith("{\"store\":\"" + store + "\",\"backend\":\"memory\"");
  }

  @Test
  void completionScriptsForBashAndZsh() {
    Result bash = libEnv(Map.of(), "completion", "bash");
    assertOk(bash);
    assertThat(bash.out())
        .contains("complete -F")
        .contains("watch")
        .contains("--from-index")
        .contains("status");
    Result zsh = libEnv(Map.of(), "completion", "zsh");
    assertOk(zsh);
    assertThat(zsh.out()).contains("bashcompinit").contains("complete -F");
    assertError(libEnv(Map.of(), "completion", "fish"), 2, "fish");
  }

  @Test
  void aMistypedCommandIsNamedWithSuggestions() {
    Result r = libEnv(Map.of(), "frobnicate");
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.stderr).isEqualTo("libkv: unknown command 'frobnicate' (see 'libkv --help')\n");
    Result typo = libEnv(Map.of(), "wacth", "k");
    assertThat(typo.exitCode).isEqualTo(2);
    assertThat(typo.stderr)
        .isEqualTo("libkv: unknown command 'wacth'; did you mean watch? (see 'libkv --help')\n");
    Result bolt = libEnv(Map.of(), "bolt", "chekc", "f.db");
    assertThat(bolt.exitCode).isEqualTo(2);
    assertThat(bolt.stderr)
        .isEqualTo(
            "libkv: unknown command 'bolt chekc'; did you mean check? (see 'libkv bolt --help')\n");
  }

  @Test
  void lsWithValuesPrintsEachKeyAndItsValue() {
    assertOk(lib("put", "v/a", "one two"));
    assertOk(lib("put", "v/b", "--base64", "AP8="));
    assertOk(lib("put", "v/c", ""));
    Result r = lib("ls", "v", "--values");
    assertOk(r);
    assertThat(r.out()).isEqualTo("v/a one two\nv/b base64:AP8=\nv/c \n");
  }

  @Test
  void lockUsageShowsTheDoubleDash() {
    Result help = libEnv(Map.of(), "lock", "--help");
    assertOk(help);
    assertThat(help.out()).contains("KEY -- CMD [ARGS...]");
    Result missing = lib("lock", "k");
    assertThat(missing.exitCode).isEqualTo(2);
    assertThat(missing.stderr).doesNotContain("Error:").contains("KEY -- CMD");
  }
}
