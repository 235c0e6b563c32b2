package io.libkv.recipes.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Capabilities;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.recipes.discovery.Member;
import io.libkv.recipes.discovery.ServiceMembers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipes across processes, for one backend: candidates and members run in child JVMs ({@link
 * ChildMain}) on a store this class's subclass provides, and are killed, paused and cut off for
 * real. Leaders act on a {@link FileFencedLog}; every test ends by checking the log: accepted terms
 * never go backwards, and each term was used by one node only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("slow")
public abstract class RecipesProcessKit {
  private static final Pattern TERM = Pattern.compile("(elected|deposed) ([0-9]+)");

  /** Starting a JVM and reading a line on a loaded two-core machine. */
  protected static final Duration WAIT = Duration.ofSeconds(60);

  /** What a loaded machine adds to a liveness bound. */
  protected static final Duration SLACK = Duration.ofSeconds(3);

  private static final AtomicInteger KEYS = new AtomicInteger();

  private Store observer;
  private final List<Child> children = new ArrayList<>();
  @TempDir Path tmp;
  private Path dir;
  private String key;
  private FileFencedLog log;

  /** Starts the backend's server(s); called once before the tests. */
  protected abstract void startServers() throws Exception;

  /** Stops them. */
  protected abstract void stopServers() throws Exception;

  /**
   * The URI child number {@code n} opens (a network backend may route each child through its own
   * proxy).
   */
  protected abstract String uri(int n);

  /** The URI this JVM opens to observe. */
  protected abstract String observerUri();

  /**
   * Freezes ({@code true}) or thaws the connection of child {@code n} to the store, as a partition
   * or a paused server does (only if {@link #canHangStore()}).
   */
  protected void hangStore(int n, boolean hang) {
    throw new UnsupportedOperationException();
  }

  /** Whether {@link #hangStore} works here. */
  protected boolean canHangStore() {
    return false;
  }

  @BeforeAll
  void setUp() throws Exception {
    startServers();
    observer = LibKV.open(observerUri());
  }

  @AfterAll
  void tearDown() throws Exception {
    if (observer != null) {
      observer.close();
    }
    stopServers();
  }

  @BeforeEach
  void name(TestInfo info) throws java.io.IOException {
    String name = info.getTestMethod().orElseThrow().getName();
    key = "kit" + KEYS.incrementAndGet() + "/" + name;
    dir = Files.createDirectories(tmp.resolve(name));
    log = new FileFencedLog(dir);
  }

  @AfterEach
  void stopChildren() throws Exception {
    for (Child c : children) {
      c.close();
    }
    children.clear();
  }

  /** The TTL the tests use: 2 s, or the backend's minimum if higher. */
  protected Duration ttl() {
    Duration min = observer.capabilities().minEphemeralTtl();
    Duration t = Duration.ofSeconds(2);
    return min.compareTo(t) > 0 ? min : t;
  }

  /** How long after a crash a TTL key may linger: TTL + 1 s + the backend's granularity + slack. */
  protected Duration failoverBound() {
    Capabilities caps = observer.capabilities();
    return ttl().plusSeconds(1).plus(caps.ephemeralTtlGranularity()).plus(SLACK);
  }

  private Child candidate(int n) throws InterruptedException {
    Child c =
        Child.start(
            "node" + n,
            dir,
            "candidate",
            uri(n),
            key,
            "node" + n,
            Long.toString(ttl().toMillis()),
            dir.toString());
    children.add(c);
    return c;
  }

  private List<Child> candidates(int count) throws InterruptedException {
    List<Child> cs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      cs.add(candidate(i));
    }
    for (Child c : cs) {
      c.awaitReady(WAIT);
    }
    return cs;
  }

  /** A term event: which child, elected or not, the term, when it was read. */
  private record Event(Child child, boolean elected, long term, long atNanos) {}

  /** The next elected/deposed line from any of {@code from} within {@code timeout}, or null. */
  private static Event nextEvent(List<Child> from, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      for (Child c : from) {
        Child.Line l = c.poll();
        if (l != null) {
          Matcher m = TERM.matcher(l.text());
          assertThat(m.matches()).as("%s said %s", c, l.text()).isTrue();
          return new Event(
              c, m.group(1).equals("elected"), Long.parseLong(m.group(2)), l.atNanos());
        }
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    return null;
  }

  private static Event nextElected(List<Child> from, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event e = nextEvent(from, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      if (e == null || e.elected()) {
        return e;
      }
    }
  }

  private String diagnostics() {
    return children.stream().map(Child::diagnostics).collect(Collectors.joining("\n"));
  }

  /** Lets the leader act for a while (the log fills). */
  private static void act() throws InterruptedException {
    Thread.sleep(400);
  }

  /** What the fence saw: accepted terms never go backwards, and one node per term. */
  private List<FileFencedLog.Entry> checkLog() {
    List<FileFencedLog.Entry> entries = log.entries();
    long highest = 0;
    Map<Long, String> nodeOfTerm = new HashMap<>();
    for (FileFencedLog.Entry e : entries) {
      if (!e.accepted()) {
        assertThat(e.term()).as("a refused action was stale").isLessThan(highest);
        continue;
      }
      assertThat(e.term())
          .as("accepted terms never go backwards: %s", entries)
          .isGreaterThanOrEqualTo(highest);
      highest = e.term();
      String before = nodeOfTerm.putIfAbsent(e.term(), e.node());
      assertThat(before == null ? e.node() : before)
          .as("term %d acted on by two nodes", e.term())
          .isEqualTo(e.node());
    }
    return entries;
  }

  @Test
  void oneLeaderFailoverAfterSigkillWithinTtlAndHandOverOnSigterm() throws Exception {
    List<Child> nodes = candidates(3);
    Event first = nextElected(nodes, WAIT);
    assertThat(first).as("someone is elected: %s", diagnostics()).isNotNull();
    // exactly one: nobody else says anything while the leader holds on
    assertThat(nextEvent(nodes, ttl())).as("a second leader").isNull();
    act();
    assertThat(observer.get(key).valueAsString()).isEqualTo(first.child().name);

    long killed = System.nanoTime();
    first.child().kill();
    List<Child> rest = new ArrayList<>(nodes);
    rest.remove(first.child());
    Event second = nextElected(rest, failoverBound());
    assertThat(second)
        .as("a new leader within %s of SIGKILL: %s", failoverBound(), diagnostics())
        .isNotNull();
    assertThat(second.term()).isGreaterThan(first.term());
    assertThat(Duration.ofNanos(second.atNanos() - killed)).isLessThanOrEqualTo(failoverBound());
    act();

    // SIGTERM: the leader resigns and the last one takes over without waiting for a TTL
    long stopped = System.nanoTime();
    assertThat(second.child().terminate(WAIT))
        .as("exit after SIGTERM, its shutdown hook run")
        .isEqualTo(143);
    assertThat(second.child().output())
        .as("%s reported the end of its term", second.child())
        .endsWith("deposed " + second.term());
    rest.remove(second.child());
    Event third = nextElected(rest, ttl().plus(SLACK));
    assertThat(third).as("hand-over: %s", diagnostics()).isNotNull();
    assertThat(third.term()).isGreaterThan(second.term());
    assertThat(Duration.ofNanos(third.atNanos() - stopped)).isLessThan(ttl().plus(SLACK));
    act();
    assertThat(third.child().terminate(WAIT))
        .as("exit after SIGTERM, its shutdown hook run")
        .isEqualTo(143);
    List<FileFencedLog.Entry> entries = checkLog();
    assertThat(
            entries.stream()
                .filter(FileFencedLog.Entry::accepted)
                .map(FileFencedLog.Entry::term)
                .distinct())
        .containsExactly(first.term(), second.term(), third.term());
  }

  @Test
  void aPausedLeaderIsDeposedAndItsLateActionsAreFenced() throws Exception {
    List<Child> nodes = candidates(3);
    Event first = nextElected(nodes, WAIT);
    assertThat(first).as("someone is elected: %s", diagnostics()).isNotNull();
    act();
    // SIGSTOP: a pause longer than the TTL, as a stopped VM or a long GC pause
    first.child().pause();
    List<Child> rest = new ArrayList<>(nodes);
    rest.remove(first.child());
    Event second = nextElected(rest, failoverBound());
    assertThat(second)
        .as("a new leader while the old one is paused: %s", diagnostics())
        .isNotNull();
    assertThat(second.term()).isGreaterThan(first.term());
    act();
    first.child().resume();
    // it may act once or twice before it learns; the fence refuses that, and then it steps down
    Event learned = nextEvent(List.of(first.child()), ttl().plus(SLACK));
    assertThat(learned)
        .as("the resumed leader learns it was deposed: %s", diagnostics())
        .isNotNull();
    assertThat(learned.elected()).isFalse();
    assertThat(learned.term()).isEqualTo(first.term());
    act();
    List<FileFencedLog.Entry> entries = checkLog();
    long firstOfSecond =
        entries.stream()
            .filter(e -> e.accepted() && e.term() == second.term())
            .findFirst()
            .orElseThrow()
            .wallMillis();
    assertThat(entries.stream().filter(e -> e.accepted() && e.term() == first.term()))
        .as("nothing of the old term accepted after the new term's first action")
        .allMatch(e -> e.wallMillis() <= firstOfSecond);
    assertThat(nextEvent(nodes, Duration.ZERO)).as("no other change of leader").isNull();
  }

  @Test
  void aLeaderCutOffFromItsStoreStepsDownWithinItsTtl() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        canHangStore(),
        "a local file has no connection to cut (the paused-leader case covers the fence)");
    List<Child> nodes = candidates(3);
    Event first = nextElected(nodes, WAIT);
    assertThat(first).as("someone is elected: %s", diagnostics()).isNotNull();
    int leader = nodes.indexOf(first.child());
    act();
    long cut = System.nanoTime();
    hangStore(leader, true);
    try {
      Event deposed = nextEvent(List.of(first.child()), ttl().plus(SLACK));
      assertThat(deposed)
          .as("the cut-off leader is told within its TTL: %s", diagnostics())
          .isNotNull();
      assertThat(deposed.elected()).isFalse();
      assertThat(Duration.ofNanos(deposed.atNanos() - cut)).isLessThanOrEqualTo(ttl().plus(SLACK));
      List<Child> rest = new ArrayList<>(nodes);
      rest.remove(first.child());
      Event second = nextElected(rest, failoverBound());
      assertThat(second).as("a new leader: %s", diagnostics()).isNotNull();
      assertThat(second.term()).isGreaterThan(first.term());
      act();
    } finally {
      hangStore(leader, false);
    }
    act();
    checkLog();
  }

  /**
   * A holder paused (SIGSTOP) past its TTL while another process takes the lock must, once resumed,
   * say at its first question that it lost the lock: its lease compares the clock with the deadline
   * of its last confirmed renewal itself, not waiting for a timer or an event thread to run first.
   */
  @Test
  void aHolderPausedPastItsTtlKnowsAtItsFirstCheckThatItLostTheLock() throws Exception {
    Child holder = Child.start("holder", dir, "lock", uri(0), key, Long.toString(ttl().toMillis()));
    children.add(holder);
    Child.Line locked = holder.next(WAIT);
    assertThat(locked).as("the child locks: %s", diagnostics()).isNotNull();
    assertThat(locked.text()).startsWith("locked ");
    long childToken = Long.parseLong(locked.text().substring("locked ".length()));
    holder.pause();
    try (LockLease ours =
        observer
            .newLock(key, LockOptions.builder().value("parent").ttl(ttl()).build())
            .tryLock(failoverBound())
            .orElseThrow(
                () ->
                    new AssertionError(
                        "the lock was not free within "
                            + failoverBound()
                            + " of the holder's pause: "
                            + diagnostics()))) {
      assertThat(ours.fencingToken()).isGreaterThan(childToken);
      // queued in the pipe while paused: the child reads it as soon as it runs again
      holder.send("check");
      holder.resume();
      Child.Line held = holder.next(WAIT);
      assertThat(held).as("the child answers: %s", diagnostics()).isNotNull();
      Child.Line gone = held.text().startsWith("held true") ? holder.next(WAIT) : null;
      assertThat(held.text())
          .as(
              "the resumed holder's first isHeld() while another process holds the lock "
                  + "(it then said so for %s ms more)",
              gone == null ? "-" : gone.text())
          .isEqualTo("held false checkHeld lost");
      assertThat(ours.isHeld()).isTrue();
    }
  }

  @Test
  void fiftyMembersAcrossProcessesConvergeAfterCrashes() throws Exception {
    String service = key + "-svc";
    Duration ttl = ttl();
    List<Child> procs = new ArrayList<>();
    for (int p = 0; p < 5; p++) {
      Child c =
          Child.start(
              "members" + p,
              dir,
              "members",
              uri(p),
              service,
              "m" + p,
              "10",
              Long.toString(ttl.toMillis()));
      children.add(c);
      procs.add(c);
    }
    Map<Integer, Set<String>> truth = new LinkedHashMap<>();
    for (int p = 0; p < 5; p++) {
      int q = p;
      truth.put(
          p, IntStream.range(0, 10).mapToObj(i -> "m" + q + "-" + i).collect(Collectors.toSet()));
    }
    try (ServiceMembers members =
        ServiceMembers.watch(observer, service, change -> {}, Runnable::run)) {
      for (Child c : procs) {
        c.awaitReady(WAIT);
      }
      awaitMembers(members, truth, WAIT);
      // two processes crash: their twenty members go within the TTL
      long killed = System.nanoTime();
      procs.get(0).kill();
      procs.get(1).kill();
      truth.remove(0);
      truth.remove(1);
      awaitMembers(members, truth, failoverBound());
      Duration converged = Duration.ofNanos(System.nanoTime() - killed);
      assertThat(converged).isLessThanOrEqualTo(failoverBound());
      // one stops cleanly: its members deregister at once
      assertThat(procs.get(2).terminate(WAIT))
          .as("exit after SIGTERM, its shutdown hook run")
          .isEqualTo(143);
      truth.remove(2);
      awaitMembers(members, truth, SLACK);
      assertThat(members.members().values())
          .extracting(Member::address)
          .allMatch(a -> a.startsWith("127.0.0.1:"));
    }
  }

  private static void awaitMembers(
      ServiceMembers members, Map<Integer, Set<String>> truth, Duration within)
      throws InterruptedException {
    Set<String> want = new TreeSet<>();
    truth.values().forEach(want::addAll);
    long deadline = System.nanoTime() + within.toNanos();
    while (!members.members().keySet().equals(want) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(members.members().keySet()).as("the watched set within %s", within).isEqualTo(want);
  }

  /**
   * How long a change of membership takes to reach 100 watchers (four stores, 25 watchers each),
   * over 20 registrations and 20 deregistrations: a figure, not a check.
   */
  @Test
  @Tag("bench")
  void membershipChangeReachesHundredWatchers() throws Exception {
    String service = key + "-svc";
    List<Store> stores = new ArrayList<>();
    List<ServiceMembers> watchers = new ArrayList<>();
    java.util.concurrent.ConcurrentHashMap<Integer, Long> seen =
        new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicLong expected =
        new java.util.concurrent.atomic.AtomicLong(-1);
    java.util.concurrent.atomic.AtomicInteger reached =
        new java.util.concurrent.atomic.AtomicInteger();
    try (Store writer = LibKV.open(observerUri())) {
      for (int s = 0; s < 4; s++) {
        stores.add(LibKV.open(observerUri()));
      }
      for (int w = 0; w < 100; w++) {
        int id = w;
        watchers.add(
            ServiceMembers.watch(
                stores.get(w % 4),
                service,
                change -> {
                  if (change.members().size() == expected.get()
                      && seen.put(id, System.nanoTime()) == null) {
                    reached.incrementAndGet();
                  }
                },
                Runnable::run));
      }
      for (ServiceMembers m : watchers) {
        assertThat(m.awaitInitialized(WAIT)).isTrue();
      }
      List<Long> micros = new ArrayList<>();
      List<io.libkv.recipes.discovery.ServiceRegistration> regs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        seen.clear();
        reached.set(0);
        boolean add = i < 20;
        expected.set(add ? i + 1 : 39 - i);
        long start = System.nanoTime();
        if (add) {
          regs.add(
              io.libkv.recipes.discovery.ServiceRegistration.builder(writer, service, "m" + i)
                  .address("127.0.0.1:" + (20_000 + i))
                  .ttl(ttl())
                  .register());
        } else {
          regs.remove(regs.size() - 1).close();
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (reached.get() < 100 && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        assertThat(reached.get()).as("watchers that saw change %d", i).isEqualTo(100);
        long last = seen.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        micros.add((last - start) / 1000);
      }
      List<Long> sorted = micros.stream().sorted().toList();
      System.out.printf(
          "membership change to 100 watchers on %s, 40 changes (µs, until the last watcher): "
              + "min %d p50 %d p90 %d max %d%n",
          observer.capabilities().backend(),
          sorted.get(0),
          sorted.get(19),
          sorted.get(35),
          sorted.get(39));
    } finally {
      watchers.forEach(ServiceMembers::close);
      stores.forEach(Store::close);
    }
  }

  /**
   * Failover time after SIGKILL of the leader, 20 times: a figure, not a check (run with {@code
   * -Dlibkv.excludedGroups= -Dgroups=bench}).
   */
  @Test
  @Tag("bench")
  void failoverDistribution() throws Exception {
    List<Child> nodes = new ArrayList<>(candidates(3));
    int next = 3;
    List<Long> millis = new ArrayList<>();
    Event leader = nextElected(nodes, WAIT);
    for (int run = 0; run < 20; run++) {
      assertThat(leader).as(diagnostics()).isNotNull();
      long killed = System.nanoTime();
      leader.child().kill();
      nodes.remove(leader.child());
      Event e = nextElected(nodes, WAIT);
      assertThat(e).as(diagnostics()).isNotNull();
      millis.add((e.atNanos() - killed) / 1_000_000);
      Child fresh = candidate(next++);
      fresh.awaitReady(WAIT);
      nodes.add(fresh);
      leader = e;
    }
    List<Long> sorted = millis.stream().sorted().toList();
    System.out.printf(
        "failover after SIGKILL on %s, ttl %s, 20 runs (ms): min %d p50 %d p90 %d max %d; all %s%n",
        observer.capabilities().backend(),
        ttl(),
        sorted.get(0),
        sorted.get(9),
        sorted.get(17),
        sorted.get(19),
        millis);
  }
}
