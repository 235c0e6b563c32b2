package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Capabilities;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.cli.CliRunner.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md's {@code txn}: options in order or JSON lines on stdin, all or nothing, exit 0 with
 * the new indexes, exit 1 naming the failed condition (and the current pairs where the backend read
 * them), exit 2 for bad input and a transaction over the backend's limits. Runs on a store that
 * separate runs share.
 */
abstract class CliTransactionContract extends CliTestBase {
  /** The index {@code cas --create} gave a new key. */
  long create(String key, String value) {
    Result r = lib("cas", key, value, "--create");
    assertOk(r);
    return Long.parseLong(r.out().trim());
  }

  long indexOf(String key) {
    Result r = lib("--json", "get", key);
    assertOk(r);
    return Long.parseLong(r.out().replaceAll("(?s).*\"lastIndex\":([0-9]+).*", "$1"));
  }

  boolean knowsCurrent() {
    return true;
  }

  @Test
  void committedPrintsTheCommitIndexAndEachWrite() {
    long k2 = create("t/k2", "two");
    create("t/k3", "three");
    long k4 = create("t/k4", "four");
    Result r =
        lib(
            "txn",
            "--if-absent",
            "t/k1",
            "--if-index",
            "t/k2=" + k2,
            "--put",
            "t/k1=v=1",
            "--delete",
            "t/k3",
            "--cas-delete",
            "t/k4=" + k4,
            "--put",
            "/t/k2/=2");
    assertOk(r);
    List<String> lines = r.lines();
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).matches("committed " + INDEX);
    long index = Long.parseLong(lines.get(0).substring("committed ".length()));
    assertThat(lines.subList(1, 5))
        .containsExactly("put t/k1 " + index, "delete t/k3", "delete t/k4", "put t/k2 " + index);
    assertThat(lib("get", "t/k1").out()).isEqualTo("v=1");
    assertThat(lib("get", "t/k2").out()).isEqualTo("2");
    assertThat(indexOf("t/k1")).isEqualTo(index);
    assertThat(lib("exists", "t/k3").exitCode).isEqualTo(1);
    assertThat(lib("exists", "t/k4").exitCode).isEqualTo(1);
  }

  @Test
  void aFailedConditionExits1NamingTheFirstOneAndNothingIsApplied() {
    long a = create("f/a", "A");
    long b = create("f/b", "B");
    Result r =
        lib(
            "txn",
            "--if-index",
            "f/a=" + a,
            "--if-index",
            "f/b=" + (b + 1000),
            "--if-absent",
            "f/a",
            "--put",
            "f/new=x",
            "--delete",
            "f/a");
    assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
    assertThat(r.stderr).as(r.toString()).isEmpty();
    List<String> expected = new ArrayList<>(List.of("failed --if-index f/b=" + (b + 1000)));
    if (knowsCurrent()) {
      expected.add("current f/a " + a + " A");
      expected.add("current f/b " + b + " B");
    }
    assertThat(r.lines()).containsExactlyElementsOf(expected);
    assertThat(lib("exists", "f/new").exitCode).isEqualTo(1);
    assertThat(indexOf("f/a")).isEqualTo(a);
    // each kind names itself
    Result absent = lib("txn", "--if-present", "f/none", "--put", "f/new=x");
    assertThat(absent.exitCode).isEqualTo(1);
    assertThat(absent.lines().get(0)).isEqualTo("failed --if-present f/none");
    Result exists = lib("txn", "--if-absent", "f/b", "--put", "f/new=x");
    assertThat(exists.lines().get(0)).isEqualTo("failed --if-absent f/b");
    Result json = lib("--json", "txn", "--cas-delete", "f/b=" + (b + 1));
    assertThat(json.exitCode).isEqualTo(1);
    assertThat(json.lines().get(0))
        .isEqualTo(
            "{\"committed\":false,\"if\":\"index\",\"key\":\"f/b\",\"index\":"
                + (b + 1)
                + ",\"currentKnown\":"
                + knowsCurrent()
                + "}");
    if (knowsCurrent()) {
      assertThat(json.lines().get(1))
          .isEqualTo("{\"key\":\"f/b\",\"value\":\"" + b64("B") + "\",\"lastIndex\":" + b + "}");
    }
    assertThat(lib("exists", "f/b").exitCode).isZero();
  }

  @Test
  void jsonLinesOnStdinWithBinaryValues() {
    long k = create("j/k", "old");
    String lines =
        "{\"if\":\"index\",\"key\":\"j/k\",\"index\":"
            + k
            + "}\n"
            + "{\"if\":\"absent\",\"key\":\"j/bin\"}\n"
            + "\n"
            + "{\"put\":\"j/bin\",\"base64\":\"AAH/\"}\n"
            + "{\"put\":\"j/text\",\"value\":\"h\\u00e9\"}\n"
            + "{\"delete\":\"j/k\",\"index\":"
            + k
            + "}\n";
    Result r = libIn(utf8(lines), "--json", "txn", "-");
    assertOk(r);
    assertThat(r.lines().get(0)).matches("\\{\"committed\":true,\"index\":" + INDEX + "}");
    assertThat(r.lines()).hasSize(4);
    assertThat(lib("get", "j/bin").stdout).containsExactly(0, 1, 0xff);
    assertThat(lib("get", "j/text").out()).isEqualTo("hé");
    assertThat(lib("exists", "j/k").exitCode).isEqualTo(1);
  }

  @Test
  void badInputIsOneTypedLineNamingTheArgumentOrLineAndWritesNothing() {
    assertError(lib("txn", "--put", "b/k"), 2, "--put b/k", "'='");
    assertError(lib("txn", "--if-index", "b/k=x", "--put", "b/k=1"), 2, "--if-index b/k=x");
    assertError(lib("txn", "--cas-delete", "b/k=0"), 2, "--cas-delete b/k=0", "positive");
    assertError(lib("txn", "--put-base64", "b/k=***"), 2, "--put-base64 b/k=***", "base64");
    assertError(lib("txn", "--put", "_libkv/x=1"), 2, "--put _libkv/x=1");
    assertError(lib("txn", "--if-absent", "b/k"), 2, "at least one operation");
    assertError(lib("txn", "--put", "b/k=1", "--delete", "b/k"), 2, "b/k", "twice");
    assertError(lib("txn"), 2, "at least one operation");
    assertError(lib("txn", "--put"), 2, "--put");
    assertError(lib("txn", "b/k"), 2, "\"b/k\"");
    assertError(libIn(utf8("{\"put\":\"b/k\",\"value\":\"1\"}\n"), "txn", "-", "--delete", "x"), 2);
    assertError(
        libIn(
            utf8("{\"put\":\"b/k\",\"value\":\"1\"}\n{\"if\":\"maybe\",\"key\":\"b/k\"}\n"),
            "txn",
            "-"),
        2,
        "line 2",
        "\"if\"");
    assertError(libIn(utf8("{\"put\":\"b/k\"}\n"), "txn", "-"), 2, "line 1", "\"value\"");
    assertError(libIn(utf8("not json\n"), "txn", "-"), 2, "line 1");
    assertError(
        libIn(utf8("{\"delete\":\"b/k\",\"ttl\":\"5s\"}\n"), "txn", "-"), 2, "line 1", "\"ttl\"");
    assertThat(lib("exists", "b/k").exitCode).isEqualTo(1);
  }

  @Test
  void aTransactionOverTheBackendsLimitsExits2AndWritesNothing() {
    Capabilities.TransactionLimits limits;
    try (Store s = LibKV.open(store)) {
      limits = s.capabilities().transactionLimits();
    }
    int max = Math.min(limits.maxOperations(), limits.maxSteps());
    if (max >= 10_000) {
      // no operation limit to pass (boltdb, memory): a large transaction commits whole
      List<String> many = new ArrayList<>(List.of("txn"));
      for (int i = 0; i < 1_000; i++) {
        many.add("--put");
        many.add("l/k" + i + "=v");
      }
      assertOk(lib(many.toArray(new String[0])));
      assertThat(lib("exists", "l/k0").exitCode).isZero();
      assertThat(lib("exists", "l/k999").exitCode).isZero();
      return;
    }
    List<String> args = new ArrayList<>(List.of("txn"));
    for (int i = 0; i <= max; i++) {
      args.add("--put");
      args.add("l/k" + i + "=v");
    }
    assertError(lib(args.toArray(new String[0])), 2, "transaction-too-large");
    assertThat(lib("exists", "l/k0").exitCode).isEqualTo(1);
    // exactly at the limit commits
    args.remove(args.size() - 1);
    args.remove(args.size() - 1);
    assertOk(lib(args.toArray(new String[0])));
    assertThat(lib("exists", "l/k0").exitCode).isZero();
  }
}
