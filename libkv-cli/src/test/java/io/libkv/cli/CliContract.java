package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checks of docs/cli.md that each need one run of the command, written once and run both
 * in-process ({@link InProcessCliTest}) and black-box through the launcher ({@link
 * LauncherBlackBoxTest}). Checks that need two runs to see the same data are in {@link
 * CliSharedStoreContract}. Store-specific parts of a check run where the store is shared across
 * runs.
 */
abstract class CliContract extends CliTestBase {
  // ---- put / get / exists / rm: single runs, any store ----

  @Test
  void putPrintsNothing() {
    Result r = lib("put", "a/b", "hello");
    assertOk(r);
    assertThat(r.stdout).isEmpty();
  }

  @Test
  void putFromStdinFileAndBase64PrintNothing() throws Exception {
    assertOk(libIn(new byte[] {0, 1, (byte) 0xff}, "put", "bin", "-"));
    Path f = Files.write(tmp.resolve("v.bin"), new byte[] {1, 2, 3});
    assertOk(lib("put", "file", "--file", f.toString()));
    assertOk(lib("put", "b64", "--base64", "AAEC"));
  }

  @Test
  void putValueSourcesAreExclusiveAndRequired() {
    assertError(lib("put", "k"), 2, "value");
    assertError(lib("put", "k", "v", "--base64", "AA=="), 2, "exclusive");
    assertError(lib("put", "k", "--base64", "***"), 2, "base64");
    assertError(lib("put", "k", "--file", tmp.resolve("missing").toString()), 2, "missing");
  }

  @Test
  void getOfAMissingKeyExits1WithEmptyStdout() {
    assertError(lib("get", "nope"), 1, "nope");
  }

  @Test
  void existsOfAMissingKeyExits1Silently() {
    Result r = lib("exists", "nope");
    assertThat(r.exitCode).isEqualTo(1);
    assertThat(r.stdout).isEmpty();
    assertThat(r.stderr).isEmpty();
  }

  @Test
  void rmOfAMissingKeyIsNoError() {
    Result r = lib("rm", "nope");
    assertOk(r);
    assertThat(r.stdout).isEmpty();
    assertOk(lib("rm", "-r", "nope/dir"));
  }

  @Test
  void rmOfTheRootIsRefused() {
    assertError(lib("rm", "-r", "/"), 2);
    assertError(lib("rm", "-r", ""), 2);
  }

  @Test
  void invalidKeysExit2() {
    assertError(lib("get", "a//b"), 2, "a//b");
    assertError(lib("put", "a/../b", "v"), 2);
    assertError(lib("exists", "_libkv/x"), 2, "reserved");
  }

  @Test
  void lsOfAMissingDirectoryExits1AndTheEmptyRootExits0() {
    assertError(lib("ls", "nope"), 1, "nope");
    Result root = lib("ls", "/");
    assertOk(root);
    assertThat(root.stdout).isEmpty();
    assertOk(lib("ls", ""));
    assertOk(lib("export"));
  }

  @Test
  void casCreatePrintsTheNewIndexAndMissingIndexExits1() {
    Result r = lib("cas", "c", "v", "--create");
    assertOk(r);
    assertThat(r.lines()).singleElement().asString().matches(INDEX);
    assertError(lib("cas", "missing", "v", "--index", "5"), 1, "missing");
    assertError(lib("cas", "k", "v"), 2);
    assertError(lib("cas", "k", "v", "--create", "--index", "3"), 2);
  }

  // ---- usage errors: exit 2, one stderr line ----

  @Test
  void usageErrorsExit2() {
    assertError(lib("get", "k", "--bogus"), 2, "--bogus");
    assertError(lib("frobnicate"), 2);
    assertError(lib("put", "k", "v", "--ttl", "5"), 2, "duration");
    assertError(lib("put", "k", "v", "--ttl", "soon"), 2, "duration");
    assertError(lib("put", "k", "v", "--keep-alive"), 2, "--ttl");
    assertError(libEnv(Map.of(), "--store", "not a uri", "exists", "k"), 2, "URI");
    assertError(libEnv(Map.of(), "--store", "nosuch://h:1", "exists", "k"), 2, "nosuch", "memory");
    assertError(libEnv(Map.of(), "--store", "memory:?bogus=1", "exists", "k"), 2, "bogus");
    assertError(libEnv(Map.of(), "--store", "memory:?timeout=5", "exists", "k"), 2, "timeout");
    assertError(
        libEnv(Map.of(), "--store", "memory:?timeout=1s&timeout=2s", "exists", "k"), 2, "timeout");
  }

  @Test
  void noCommandExits2AndHelpExits0() {
    assertThat(libEnv(Map.of()).exitCode).isEqualTo(2);
    Result help = libEnv(Map.of(), "--help");
    assertOk(help);
    assertThat(help.out()).contains("watch", "lock", "import");
  }

  @Test
  void valueOverTheLimitAndTtlBelowTheFloorExit2() {
    assertError(
        libEnv(Map.of(), "--store", "memory:?maxValueBytes=4", "put", "k", "12345"), 2, "limit");
    assertError(lib("put", "k", "v", "--ttl", "1ms"), 2);
  }

  // ---- global options: placement and precedence ----

  @Test
  void globalOptionsAreAcceptedAfterTheCommandName() {
    Result r = libEnv(Map.of(), "cas", "k", "v", "--create", "--json", "--store", store);
    assertOk(r);
    assertThat(r.lines())
        .singleElement()
        .asString()
        .matches("\\{\"key\":\"k\",\"lastIndex\":" + INDEX + "}");
    assertError(libEnv(Map.of(), "get", "missing", "--store", store, "--json"), 1);
  }

  @Test
  void storePrecedenceIsFlagThenEnvironmentThenDefault() {
    // the flag wins over a broken LIBKV_STORE
    assertOk(libEnv(Map.of("LIBKV_STORE", "bogus:"), "--store", store, "put", "k", "v"));
    assertOk(libEnv(Map.of("LIBKV_STORE", "bogus:"), "put", "k", "v", "--store", store));
    // LIBKV_STORE is used without the flag
    assertError(libEnv(Map.of("LIBKV_STORE", "bogus:"), "put", "k", "v"), 2, "bogus");
    Result env = libEnv(Map.of("LIBKV_STORE", "memory:from-env"), "--verbose", "exists", "k");
    assertThat(env.exitCode).isEqualTo(1);
    assertThat(env.stderr).contains("using store memory:from-env");
    // neither: the default store, a file in the working directory, checked black-box only
    // (DefaultStoreBlackBoxTest), where each run has the test's scratch directory as its own
  }

  @Test
  void secretsComeFromTheEnvironmentAndNeverShowInMessages() {
    Result r =
        libEnv(
            Map.of("LIBKV_PASSWORD", "s3cret-pw"),
            "--store",
            "memory:?passwordFile=/nonexistent/pw",
            "exists",
            "k");
    assertError(r, 2, "LIBKV_PASSWORD");
    assertThat(r.stderr).doesNotContain("s3cret-pw");
    // a store that takes no password or token refuses them rather than ignoring them
    Result ignored =
        libEnv(
            Map.of("LIBKV_PASSWORD", "s3cret-pw", "LIBKV_TOKEN", "t0ken"),
            "--store",
            "memory:x",
            "exists",
            "k");
    assertError(ignored, 2, "password", "token", "do not apply to memory");
    assertThat(ignored.stderr).doesNotContain("s3cret-pw").doesNotContain("t0ken");
  }

  @Test
  void tlsAndCredentialsThatCannotTakeEffectExit2WithOneLine() throws Exception {
    Path pem = Files.writeString(tmp.resolve("x.pem"), "s3cret-pem\n");
    // nothing listens on port 1: each is refused on its configuration alone
    assertError(
        libEnv(Map.of(), "--store", "etcd://127.0.0.1:1?cert=" + pem, "exists", "k"),
        2,
        "cert",
        "key");
    assertError(
        libEnv(Map.of(), "--store", "etcd://127.0.0.1:1?tls=false&ca=" + pem, "exists", "k"),
        2,
        "tls=false",
        "ca");
    assertError(
        libEnv(Map.of(), "--store", "zk://127.0.0.1:1?passwordFile=" + pem, "exists", "k"),
        2,
        "passwordFile",
        "username");
    assertError(
        libEnv(Map.of(), "--store", "consuls://127.0.0.1:1?tls=false", "exists", "k"),
        2,
        "tls=false",
        "consuls");
    assertError(
        libEnv(Map.of(), "--store", "consul://127.0.0.1:1?tokenFile=" + tmp, "exists", "k"),
        2,
        "tokenFile",
        "directory");
    Result r =
        libEnv(
            Map.of("LIBKV_PASSWORD", "s3cret-pw"), "--store", "etcd://127.0.0.1:1", "exists", "k");
    assertError(r, 2, "password", "username");
    assertThat(r.stderr).doesNotContain("s3cret");
  }

  // ---- import / export ----

  @Test
  void importWritesNothingAndPrintsNothing() {
    String in =
        "{\"key\":\"a\",\"value\":\""
            + b64("1")
            + "\"}\n"
            + "{\"key\":\"/b/c/\",\"value\":\""
            + b64("2")
            + "\",\"lastIndex\":7}\n\n";
    Result r = libIn(utf8(in), "import");
    assertOk(r);
    assertThat(r.stdout).isEmpty();
  }

  @Test
  void importValidatesEveryLineBeforeTheFirstWrite() throws Exception {
    String good = "{\"key\":\"x/1\",\"value\":\"" + b64("1") + "\"}\n";
    for (String bad :
        List.of(
            "{\"key\":\"a//b\",\"value\":\"\"}",
            "{\"key\":\"k\",\"value\":\"%%%\"}",
            "{\"key\":\"k\"}",
            "[1]",
            "{\"key\":\"k\",\"value\":\"\",\"extra\":1}",
            "{\"key\":\"k\",\"value\":\"\"} x")) {
      Path f =
          Files.writeString(
              tmp.resolve("in.jsonl"), good + good.replace("x/1", "x/2") + bad + "\n" + good);
      assertError(lib("import", f.toString()), 2, "line 3");
      if (runner.sharesState(store)) {
        assertThat(lib("exists", "x/1").exitCode).as("nothing written").isEqualTo(1);
      }
    }
    assertError(lib("import", tmp.resolve("none.jsonl").toString()), 2, "none.jsonl");
  }

  // ---- bench ----

  @Test
  void benchPrintsJsonLinesForEveryStep() {
    Result r = lib("bench", "--json", "--ops", "20");
    assertOk(r);
    assertThat(r.lines()).hasSize(6);
    assertThat(String.join("\n", r.lines()))
        .contains(
            "\"name\":\"put\"",
            "\"name\":\"get\"",
            "\"name\":\"list-1000\"",
            "\"name\":\"watch-latency\"",
            "\"name\":\"lock-cycle\"",
            "\"name\":\"cas-contended\"");
    Result table = lib("bench", "--ops", "5");
    assertOk(table);
    assertThat(table.lines()).hasSize(7);
    assertThat(table.lines().get(0)).startsWith("STEP");
  }

  // ---- long-running commands and signals ----

  @Test
  void watchPrintsTheCurrentStateAndExits0OnSigterm() throws Exception {
    Running w = start("watch", "w/k");
    assertThat(w.nextLine(WAIT)).matches("absent w/k [0-9]+");
    Result r = w.stop(WAIT);
    assertOk(r);
  }

  @Test
  void watchTreeOfTheRootPrintsAbsentAndJsonLines() throws Exception {
    Running w = start("watch", "-r", "/", "--json");
    assertThat(w.nextLine(WAIT))
        .matches("\\{\"type\":\"absent\",\"key\":\"/\",\"index\":[0-9]+\\}");
    assertOk(w.stop(WAIT));
  }

  @Test
  void keepAlivePrintsTheIndexAndExits0OnSigterm() throws Exception {
    Running p = start("put", "eph", "v", "--ttl", "2s", "--keep-alive");
    assertThat(p.nextLine(WAIT)).matches(INDEX);
    if (runner.sharesState(store)) {
      assertThat(lib("exists", "eph").exitCode).isZero();
    }
    Result r = p.stop(WAIT);
    assertOk(r);
    assertThat(r.lines()).hasSize(1);
    if (runner.sharesState(store)) {
      assertThat(lib("exists", "eph").exitCode).as("ephemeral key removed on SIGTERM").isEqualTo(1);
    }
  }

  @Test
  void lockExitsWithTheCommandsStatus() throws Exception {
    Result r = lib("lock", "l", "--", "sh", "-c", "exit 7");
    assertThat(r.exitCode).as(r.toString()).isEqualTo(7);
    assertThat(r.stderr).isEmpty();
    Result ok =
        lib(
            "lock",
            "l",
            "--ttl",
            "5s",
            "--wait",
            "5s",
            "--value",
            "me",
            "--",
            "sh",
            "-c",
            "echo held");
    assertOk(ok);
    assertThat(ok.out()).isEqualTo("held\n");
    assertError(lib("lock", "l", "--", "/nonexistent/cmd"), 127, "/nonexistent/cmd");
    assertError(lib("lock", "l", "--wait", "5", "--", "true"), 2, "duration");
  }

  @Test
  void lockForwardsSigtermToTheCommand() throws Exception {
    Running l = start("lock", "l", "--", "sh", "-c", "echo started; sleep 30");
    assertThat(l.nextLine(WAIT)).isEqualTo("started");
    Result r = l.stop(WAIT);
    assertThat(r.exitCode).as(r.toString()).isEqualTo(128 + 15);
  }
}
