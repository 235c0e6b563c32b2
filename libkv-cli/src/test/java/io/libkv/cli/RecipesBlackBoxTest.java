package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code elect}, {@code leader}, {@code register} and {@code members} black-box across processes
 * sharing a {@code boltdb:} file: one leader among three, failover after SIGKILL within the TTL,
 * prompt hand-over after SIGTERM, and members appearing and going.
 */
class RecipesBlackBoxTest extends BoltdbBlackBoxTestBase {
  private static final Pattern ELECTED = Pattern.compile("elected ([0-9]+)");

  /** A loaded machine starts a JVM in a second or two, and a bbolt poll adds its interval. */
  private static final Duration SLACK = Duration.ofSeconds(5);

  /**
   * The first line from any of {@code procs} within {@code timeout}: index and line; null if none.
   */
  private static Object[] nextLineOfAny(List<Running> procs, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      for (int i = 0; i < procs.size(); i++) {
        String l = procs.get(i).nextLine(Duration.ofMillis(50));
        if (l != null) {
          return new Object[] {i, l};
        }
      }
    } while (System.nanoTime() < deadline);
    return null;
  }

  private static long term(String line) {
    Matcher m = ELECTED.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  @Tag("slow")
  void oneLeaderAmongThreeFailoverOnKillAndHandOverOnTerm() throws Exception {
    List<Running> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(start("elect", "E", "node" + i, "--ttl", "2s"));
    }
    Object[] first = nextLineOfAny(nodes, WAIT);
    assertThat(first).as("someone is elected").isNotNull();
    int leader = (int) first[0];
    long term1 = term((String) first[1]);
    // exactly one: nobody else says anything while the leader holds on
    assertThat(nextLineOfAny(nodes, Duration.ofSeconds(3))).isNull();
    Result who = lib("leader", "E");
    assertOk(who);
    assertThat(who.lines()).containsExactly("node" + leader);

    // SIGKILL: no resign; another wins once the TTL ran out
    long killed = System.nanoTime();
    nodes.get(leader).kill(WAIT);
    List<Running> rest = new ArrayList<>(nodes);
    rest.remove(leader);
    Object[] second = nextLineOfAny(rest, Duration.ofSeconds(2 + 1).plus(SLACK));
    assertThat(second).as("a new leader within TTL + 1 s + slack").isNotNull();
    assertThat(term((String) second[1])).isGreaterThan(term1);
    Duration failover = Duration.ofNanos(System.nanoTime() - killed);
    Running leader2 = rest.get((int) second[0]);
    Running last = rest.get(1 - (int) second[0]);
    assertThat(lib("leader", "E").lines()).as("failover took %s", failover).hasSize(1);

    // SIGTERM: the leader resigns (deposed) and the last node is elected promptly
    long term2 = term((String) second[1]);
    long stopped = System.nanoTime();
    Result r = leader2.stop(WAIT);
    assertOk(r);
    assertThat(r.lines()).as(r.toString()).containsExactly("elected " + term2, "deposed " + term2);
    String third = last.nextLine(Duration.ofSeconds(1).plus(SLACK));
    assertThat(third).as("elected promptly after a resign").isNotNull();
    assertThat(term(third)).isGreaterThan(term2);
    assertThat(Duration.ofNanos(System.nanoTime() - stopped))
        .isLessThan(Duration.ofSeconds(2).plus(SLACK));
    assertOk(last.stop(WAIT));
    Result none = lib("leader", "E");
    assertThat(none.exitCode).as(none.toString()).isEqualTo(1);
    assertThat(none.out() + none.stderr).as("no leader: no output").isEmpty();
  }

  @Test
  void electRunsCmdWhileLeaderAndExitsWithItsStatus() throws Exception {
    Running e =
        start("elect", "C", "solo", "--ttl", "2s", "--", "sh", "-c", "echo leading; exit 3");
    Result r = e.await(WAIT);
    assertThat(r.exitCode).as(r.toString()).isEqualTo(3);
    assertThat(r.lines()).hasSize(3);
    assertThat(r.lines().get(0)).matches("elected [0-9]+");
    assertThat(r.lines().get(1)).isEqualTo("leading");
    assertThat(r.lines().get(2)).isEqualTo("deposed " + term(r.lines().get(0)));
    assertThat(lib("leader", "C").exitCode).as("resigned").isEqualTo(1);
  }

  @Test
  void leaderWithoutOneAndBadInput() throws Exception {
    Result none = lib("leader", "nobody");
    assertThat(none.exitCode).isEqualTo(1);
    assertThat(none.stdout).isEmpty();
    assertThat(none.stderr).isEmpty();
    // the file made by a write of nothing: `leader -w` on a missing file waits for it, silent
    assertOk(lib("rm", "nothing"));
    Running w = start("leader", "nobody", "-w");
    assertThat(w.nextLine(WAIT)).isEmpty();
    assertOk(w.stop(WAIT));
    assertError(lib("elect", "k", ""), 2, "NODE");
    assertError(lib("elect", "_libkv/x", "n"), 2, "reserved");
    assertError(lib("elect", "k", "n", "--ttl", "1ms"), 2);
    assertError(lib("register", "svc", "a", "h:1", "--meta", "{bad"), 2, "JSON");
    assertError(lib("register", "svc", "a", "h:1", "--ttl", "1ms"), 2);
    assertThat(lib("export").lines()).as("nothing was written").isEmpty();
  }

  @Test
  @Tag("slow")
  void membersSeeRegistrationsAndAKilledOneGoWithinItsTtl() throws Exception {
    // the file made by a write of nothing: `members -w` on a missing file waits for it, silent
    assertOk(lib("rm", "nothing"));
    Running watch = start("members", "svc", "-w");
    assertThat(watch.nextLine(WAIT)).as("the empty set first").isEqualTo(".");
    Running b =
        start("register", "svc", "b", "10.0.0.2:2", "--ttl", "2s", "--meta", "{\"zone\":\"x\"}");
    Running a = start("register", "svc", "a", "10.0.0.1:1", "--ttl", "2s");
    List<String> set = List.of();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (set.size() != 2 && System.nanoTime() < deadline) {
      set = nextSet(watch);
    }
    assertThat(set).containsExactly("a 10.0.0.1:1", "b 10.0.0.2:2");
    Result list = lib("members", "svc");
    assertOk(list);
    assertThat(list.lines()).containsExactly("a 10.0.0.1:1", "b 10.0.0.2:2");
    assertThat(lib("get", "svc/b").out())
        .isEqualTo("{\"id\":\"b\",\"address\":\"10.0.0.2:2\",\"meta\":{\"zone\":\"x\"}}");

    long killed = System.nanoTime();
    a.kill(WAIT);
    assertThat(nextSet(watch)).containsExactly("b 10.0.0.2:2");
    assertThat(Duration.ofNanos(System.nanoTime() - killed))
        .isLessThan(Duration.ofSeconds(2).plus(SLACK));
    assertOk(b.stop(WAIT));
    assertThat(nextSet(watch)).as("deregistered at once").isEmpty();
    assertOk(watch.stop(WAIT));
  }

  /** The next set from {@code members -w}: lines up to the {@code .}. */
  private static List<String> nextSet(Running watch) throws InterruptedException {
    List<String> set = new ArrayList<>();
    while (true) {
      String l = watch.nextLine(WAIT);
      assertThat(l).as("a set ends with .").isNotNull();
      if (l.equals(".")) {
        return set;
      }
      set.add(l);
    }
  }
}
