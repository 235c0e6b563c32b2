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
 * {@code --json} on every command (docs/cli.md): a command that prints a result prints it as JSON
 * lines, one that has nothing to print refuses the option (exit 2, one line). The commands are
 * read from picocli's model, so a new command without a decision here fails the test.
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

  /** What a command does with --json: prints JSON lines (a sample run), or refuses it. */
  private static final class Decision {
    final boolean prints;
    final List<String> args;
    final boolean runsUntilStopped;

    private Decision(boolean prints, boolean runsUntilStopped, String... args) {
      this.prints = prints;
      this.args = List.of(args);
      this.runsUntilStopped = runsUntilStopped;
    }
  }

  private static Decision json(String... args) {
    return new Decision(true, false, args);
  }

  private static Decision jsonUntilStopped(String... args) {
    return new Decision(true, true, args);
  }

  private static Decision refused(String... args) {
    return new Decision(false, false, args);
  }

  /** Every command, by its qualified name, in help order; {@code BOLT} stands for a bbolt file. */
  private static Map<String, Decision> decisions() {
    Map<String, Decision> m = new LinkedHashMap<>();
    m.put("put", refused("put", "p", "v"));
    m.put("get", json("get", "k"));
    m.put("exists", refused("exists", "k"));
    m.put("rm", refused("rm", "gone"));
    m.put("ls", json("ls"));
    m.put("cas", json("cas", "c", "1", "--create"));
    m.put("watch", jsonUntilStopped("watch", "k"));
    m.put("lock", refused("lock", "l", "--", "true"));
    m.put("export", json("export"));
    m.put("import", refused("import", "-"));
    m.put("bench", json("bench", "--ops", "3"));
    m.put("elect", jsonUntilStopped("elect", "e", "n1"));
    m.put("leader", json("leader", "led"));
    m.put("register", refused("register", "svc", "i2", "127.0.0.1:2"));
    m.put("members", json("members", "svc"));
    m.put("status", json("status"));
    m.put("completion", refused("completion", "bash"));
    m.put("bolt check", json("bolt", "check", "BOLT"));
    m.put("bolt buckets", json("bolt", "buckets", "BOLT"));
    m.put("bolt keys", json("bolt", "keys", "BOLT", "libkv"));
    m.put("bolt get", json("bolt", "get", "BOLT", "libkv", "k"));
    m.put("bolt stats", json("bolt", "stats", "BOLT"));
    m.put("bolt compact", refused("bolt", "compact", "BOLT", "COPY"));
    m.put("bolt bench", refused("bolt", "bench", "-count", "10", "-no-warmup"));
    return m;
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
    Cli cli = new Cli(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Map.of(), false, false);
    assertThat(new TreeSet<>(leaves(cli.commandLine()))).isEqualTo(new TreeSet<>(decisions().keySet()));
  }

  @Test
  void commandsThatPrintPrintJsonLinesAndTheOthersRefuseTheOption() throws Exception {
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
        Decision d = e.getValue();
        List<String> args = new ArrayList<>();
        for (String a : d.args) {
          args.add(a.replace("BOLT", bolt.toString()).replace("COPY", tmp.resolve("copy.db").toString()));
        }
        args.add(0, "--json"); // before the command: after "--" it would be CMD's
        String what = "libkv " + String.join(" ", args);
        if (!d.prints) {
          Result r = lib(args.toArray(new String[0]));
          assertThat(r.exitCode).as(what + ": " + r).isEqualTo(2);
          assertError(r, 2, "--json");
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
      // the forms of commands whose other flags change what they print
      leading = start("elect", "e", "n1", "--json");
      assertThat(leading.nextLine(WAIT)).matches("\\{\"type\":\"elected\",\"term\":[0-9]+}");
      assertThat(lib("leader", "e", "--json").lines()).containsExactly("{\"key\":\"e\",\"leader\":\"n1\"}");
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
    } finally {
      if (leading != null) {
        leading.stop(WAIT);
      }
      registered.stop(WAIT);
    }
  }
}
