package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --json} and {@code -o text|json|table} on every command (docs/cli.md): a command that
 * prints a result prints it as JSON lines with {@code --json} or {@code -o json}, and as a table
 * with {@code -o table} where it has one; one that has nothing to print refuses every form of the
 * option (exit 2, one line). The commands are read from picocli's model, so a new command without a
 * decision here fails the test.
 */
class JsonOutputTest extends CliTestBase {
  @Override
  CliRunner newRunner(Path workDir) {
    return new InProcessRunner();
  }

  @Override
  String newStoreUri(Path dir) {
    return "memory:json-" + UUID.randomUUID();
  }

  /**
   * What a command does with --json: prints JSON lines (a sample run), or refuses it; and whether
   * it prints a table with -o table (else it refuses that format).
   */
  private static final class Decision {
    final boolean prints;
    final List<String> args;
    final boolean runsUntilStopped;
    final boolean table;

    private Decision(boolean prints, boolean runsUntilStopped, boolean table, String... args) {
      this.prints = prints;
      this.args = List.of(args);
      this.runsUntilStopped = runsUntilStopped;
      this.table = table;
    }
  }

  private static Decision json(String... args) {
    return new Decision(true, false, false, args);
  }

  private static Decision jsonAndTable(String... args) {
    return new Decision(true, false, true, args);
  }

  private static Decision jsonUntilStopped(String... args) {
    return new Decision(true, true, false, args);
  }

  private static Decision refused(String... args) {
    return new Decision(false, false, false, args);
  }

  /**
   * Every command, by its qualified name, in help order; {@code BOLT} stands for a bbolt file,
   * {@code NEW} for a key no run has written yet.
   */
  private static Map<String, Decision> decisions() {
    Map<String, Decision> m = new LinkedHashMap<>();
    m.put("put", refused("put", "p", "v"));
    m.put("get", jsonAndTable("get", "k"));
    m.put("exists", refused("exists", "k"));
    m.put("rm", refused("rm", "gone"));
    m.put("ls", jsonAndTable("ls"));
    m.put("cas", jsonAndTable("cas", "NEW", "1", "--create"));
    m.put("txn", json("txn", "--put", "NEW=v"));
    m.put("watch", jsonUntilStopped("watch", "k"));
    m.put("lock", refused("lock", "l", "--", "true"));
    m.put("export", json("export"));
    m.put("import", refused("import", "-"));
    m.put("bench", jsonAndTable("bench", "--ops", "3"));
    m.put("elect", jsonUntilStopped("elect", "e", "n1"));
    m.put("leader", jsonAndTable("leader", "led"));
    m.put("register", refused("register", "svc", "i2", "127.0.0.1:2"));
    m.put("members", jsonAndTable("members", "svc"));
    m.put("status", jsonAndTable("status"));
    m.put("completion", refused("completion", "bash"));
    m.put("bolt check", json("bolt", "check", "BOLT"));
    m.put("bolt buckets", json("bolt", "buckets", "BOLT"));
    m.put("bolt keys", json("bolt", "keys", "BOLT", "libkv"));
    m.put("bolt get", json("bolt", "get", "BOLT", "libkv", "k"));
    m.put("bolt stats", jsonAndTable("bolt", "stats", "BOLT"));
    m.put("bolt compact", refused("bolt", "compact", "BOLT", "COPY"));
    m.put("bolt bench", refused("bolt", "bench", "-count", "10", "-no-warmup"));
    return m;
  }

  /** A decision's sample run, its placeholders filled in. */
  private List<String> sampleArgs(Decision d, Path bolt) {
    List<String> args = new ArrayList<>();
    for (String a : d.args) {
      args.add(
          a.replace("BOLT", bolt.toString())
              .replace("COPY", tmp.resolve("copy.db").toString())
              .replace("NEW", "new-" + UUID.randomUUID()));
    }
    return args;
  }

  /**
   * {@code -o table} on every command: a table (a header of upper-case column names, then rows)
   * where the decision says so, else a refusal; {@code -o text} on a command that prints nothing is
   * refused as {@code --json} is.
   */
  private void checkTablesAndText(Path bolt) {
    for (Map.Entry<String, Decision> e : decisions().entrySet()) {
      Decision d = e.getValue();
      for (String format : List.of("table", "text")) {
        List<String> args = new ArrayList<>(List.of("-o", format));
        args.addAll(sampleArgs(d, bolt));
        String what = "libkv " + String.join(" ", args);
        if (!d.prints) {
          assertError(lib(args.toArray(new String[0])), 2, "-o " + format, "prints no result");
        } else if (format.equals("table") && !d.table) {
          assertError(
              lib(args.toArray(new String[0])), 2, "-o table", "'libkv " + e.getKey() + "'");
        } else if (format.equals("table")) {
          Result r = lib(args.toArray(new String[0]));
          assertOk(r);
          List<String> lines = r.lines();
          assertThat(lines.size()).as(what + ": " + r).isGreaterThan(1);
          assertThat(lines.get(0)).as(what).matches(" *[A-Z][A-Z_/]*( +[A-Z][A-Z_/]*)*");
          for (String line : lines) {
            assertThat(line).as(what).doesNotContainPattern("\\p{Cntrl}");
          }
        }
      }
    }
    // -o text is what the command prints without an option
    for (String[] args :
        List.of(
            new String[] {"ls", "--values"},
            new String[] {"get", "k"},
            new String[] {"members", "svc"},
            new String[] {"status"})) {
      List<String> text = new ArrayList<>(List.of("-o", "text"));
      text.addAll(List.of(args));
      Result plain = lib(args);
      assertOk(plain);
      assertThat(lib(text.toArray(new String[0])).out()).isEqualTo(plain.out());
    }
    // one format: two different ones are a contradiction, the same one twice is not
    assertError(lib("--json", "-o", "table", "ls"), 2, "--json", "-o table");
    assertError(lib("-o", "json", "ls", "-o", "table"), 2, "-o json", "-o table");
    assertOk(lib("--json", "ls", "-o", "json"));
    // an unknown format: picocli's list of the valid ones
    Result bad = lib("-o", "xml", "ls");
    assertError(bad, 2, "[text, json, table]", "'xml'");
    assertThat(bad.stderr).doesNotContain("Exception").doesNotContain("\tat ");
  }

  private static List<String> leaves(CommandLine cl) {
    List<String> names = new ArrayList<>();
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getSubcommands().isEmpty()) {
        String q = sub.getCommandSpec().qualifiedName(" ");
        names.add(q.substring(q.indexOf(' ') + 1));
      } else {
        names.addAll(leaves(sub));
      }
    }
    return names;
  }

  @Test
  void everyCommandHasADecision() {
    Cli cli =
        new Cli(
            new ByteArrayInputStream(new byte[0]),
            new ByteArrayOutputStream(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Map.of(),
            false,
            false);
    assertThat(new TreeSet<>(leaves(cli.commandLine())))
        .isEqualTo(new TreeSet<>(decisions().keySet()));
  }

  @Test
  void commandsThatPrintHonourEveryFormatAndTheOthersRefuseTheOption() throws Exception {
    Path bolt = tmp.resolve("b.db");
    assertOk(libEnv(Map.of(), "--store", "boltdb:" + bolt, "put", "k", "v"));
    assertOk(lib("put", "k", "v"));
    assertOk(lib("put", "led", "n0"));
    Running registered = start("register", "svc", "i1", "127.0.0.1:1");
    Running leading = null;
    try {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!lib("members", "svc").out().contains("i1") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      for (Map.Entry<String, Decision> e : decisions().entrySet()) {
        for (List<String> format : List.of(List.of("--json"), List.of("-o", "json"))) {
          Decision d = e.getValue();
          List<String> args =
              new ArrayList<>(format); // before the command: after "--" it would be CMD's
          args.addAll(sampleArgs(d, bolt));
          String what = "libkv " + String.join(" ", args);
          if (!d.prints) {
            Result r = lib(args.toArray(new String[0]));
            assertThat(r.exitCode).as(what + ": " + r).isEqualTo(2);
            assertError(r, 2, format.get(0));
            continue;
          }
          List<String> lines = new ArrayList<>();
          if (d.runsUntilStopped) {
            Running run = start(args.toArray(new String[0]));
            String first = run.nextLine(WAIT);
            assertThat(first).as(what).isNotNull();
            lines.add(first);
            Result r = run.stop(WAIT);
            assertThat(r.exitCode).as(what + ": " + r).isZero();
            lines.addAll(r.lines().subList(1, r.lines().size()));
          } else {
            Result r = lib(args.toArray(new String[0]));
            assertOk(r);
            lines.addAll(r.lines());
          }
          assertThat(lines).as(what).isNotEmpty();
          for (String line : lines) {
            assertThat(Json.parseFlatObject(line)).as(what + ": " + line).isNotEmpty();
          }
        }
      }
      checkTablesAndText(bolt);
      // the forms of commands whose other flags change what they print
      leading = start("elect", "e", "n1", "--json");
      assertThat(leading.nextLine(WAIT)).matches("\\{\"type\":\"elected\",\"term\":[0-9]+}");
      assertThat(lib("leader", "e", "--json").lines())
          .containsExactly("{\"key\":\"e\",\"leader\":\"n1\"}");
      Running follow = start("leader", "nobody", "-w", "--json");
      assertThat(follow.nextLine(WAIT)).isEqualTo("{\"key\":\"nobody\"}");
      assertOk(follow.stop(WAIT));
      Running members = start("members", "svc", "-w", "--json");
      assertThat(members.nextLine(WAIT)).isEqualTo("{\"id\":\"i1\",\"address\":\"127.0.0.1:1\"}");
      assertThat(members.nextLine(WAIT)).isEqualTo("{\"members\":1}");
      assertOk(members.stop(WAIT));
      Running kept = start("put", "eph", "v", "--ttl", "5s", "--keep-alive", "--json");
      assertThat(kept.nextLine(WAIT)).matches("\\{\"key\":\"eph\",\"lastIndex\":[0-9]+}");
      assertOk(kept.stop(WAIT));
      assertThat(lib("cas", "c", "2", "--index", "999999", "--json").exitCode).isEqualTo(1);
      // a stream cannot be aligned before it ends: the forms that run until stopped refuse tables
      assertError(lib("-o", "table", "leader", "e", "-w"), 2, "-o table", "'libkv leader'");
      assertError(lib("-o", "table", "members", "svc", "-w"), 2, "-o table", "'libkv members'");
      assertError(
          lib("-o", "table", "put", "eph", "v", "--ttl", "5s", "--keep-alive"), 2, "-o table");
    } finally {
      if (leading != null) {
        leading.stop(WAIT);
      }
      registered.stop(WAIT);
    }
  }
}
