package io.libkv.recipes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.InvalidKeyException;
import io.libkv.TtlTooShortException;
import io.libkv.memory.MemoryStore;
import io.libkv.recipes.election.Candidate;
import io.libkv.recipes.election.Follower;
import io.libkv.recipes.election.Leadership;
import io.libkv.recipes.election.LeadershipListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Leader election on the reference store, several clients in one JVM. */
class ElectionTest extends MemoryClients {
  private static final Duration TTL = Duration.ofMillis(600);

  /** Records elected/deposed in order. */
  static final class Recorder implements LeadershipListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void elected(Leadership term) {
      events.add("elected " + term.term());
    }

    @Override
    public void deposed(Leadership term) {
      events.add("deposed " + term.term());
    }
  }

  @Test
  void oneLeaderAtATimeTermsIncreaseAndTheKeyHoldsTheNodeId() throws Exception {
    MemoryStore reader = store();
    List<Candidate> cs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      cs.add(track(Candidate.builder(store(), "svc/leader", "node-" + i).ttl(TTL).start()));
    }
    long lastTerm = 0;
    for (int round = 0; round < 3; round++) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> cs.stream().filter(Candidate::isLeader).count() == 1);
      Candidate leader = cs.stream().filter(Candidate::isLeader).findFirst().orElseThrow();
      Leadership term = leader.leadership().orElseThrow();
      assertThat(term.term()).isGreaterThan(lastTerm);
      lastTerm = term.term();
      assertThat(reader.get("svc/leader").valueAsString()).isEqualTo(leader.node());
      long t0 = System.nanoTime();
      leader.close();
      cs.remove(leader);
      if (!cs.isEmpty()) {
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> cs.stream().anyMatch(Candidate::isLeader));
        // close() releases at once: no TTL wait
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(TTL.plusSeconds(1));
      }
    }
  }

  @Test
  void closeReportsTheEndOfTheTermBeforeItReturns() throws Exception {
    for (int i = 0; i < 20; i++) {
      Recorder r = new Recorder();
      Candidate c =
          track(
              Candidate.builder(store(), "svc/close" + i, "a")
                  .ttl(TTL)
                  .listener(r, Runnable::run)
                  .start());
      Leadership term = c.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
      await().until(() -> r.events.size() == 1);
      c.close();
      assertThat(r.events)
          .as("run %d", i)
          .containsExactly("elected " + term.term(), "deposed " + term.term());
    }
  }

  @Test
  void resignHandsOverAndTheResignedMayWinAgain() throws Exception {
    Recorder ra = new Recorder();
    Candidate a =
        track(
            Candidate.builder(store(), "svc/leader", "a")
                .ttl(TTL)
                .listener(ra, Runnable::run)
                .resignPause(Duration.ofMillis(300))
                .start());
    Leadership first = a.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
    Candidate b = track(Candidate.builder(store(), "svc/leader", "b").ttl(TTL).start());
    a.resign();
    Leadership second = b.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
    assertThat(second.term()).isGreaterThan(first.term());
    await().until(() -> ra.events.contains("deposed " + first.term()));
    b.close();
    Leadership third = a.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
    assertThat(third.term()).isGreaterThan(second.term());
    await().until(() -> ra.events.size() >= 3);
    assertThat(ra.events)
        .startsWith(
            "elected " + first.term(), "deposed " + first.term(), "elected " + third.term());
  }

  @Test
  void aLeaderCutOffStepsDownBeforeAnotherIsElectedAndTheFenceStopsIt() throws Exception {
    FencedLog log = new FencedLog();
    MemoryStore sa = store();
    Recorder ra = new Recorder();
    Candidate a =
        track(
            Candidate.builder(sa, "svc/leader", "a").ttl(TTL).listener(ra, Runnable::run).start());
    Leadership ta = a.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
    assertThat(log.append(ta.term(), 1)).isTrue();
    Candidate b = track(Candidate.builder(store(), "svc/leader", "b").ttl(TTL).start());
    sa.simulatePartition(true);
    Leadership tb = b.awaitLeadership(TTL.plusSeconds(2)).orElseThrow();
    // a heard it was deposed before b could be elected
    assertThat(ra.events).contains("deposed " + ta.term());
    assertThat(a.isLeader()).isFalse();
    assertThat(log.append(tb.term(), 2)).isTrue();
    // a paused old leader may still try: the fence stops it
    assertThat(log.append(ta.term(), 3)).isFalse();
    assertThat(log.termsMonotonic()).isTrue();
    sa.simulatePartition(false);
  }

  @Test
  void aLeaderWhoseSessionIsKilledIsDeposed() throws Exception {
    MemoryStore sa = store();
    Recorder ra = new Recorder();
    Candidate a =
        track(
            Candidate.builder(sa, "svc/leader", "a").ttl(TTL).listener(ra, Runnable::run).start());
    Leadership ta = a.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
    sa.simulateSessionExpiry();
    await().atMost(Duration.ofSeconds(2)).until(() -> ra.events.contains("deposed " + ta.term()));
    // it keeps running and wins again, with a higher term
    Leadership again = a.awaitLeadership(Duration.ofSeconds(5)).orElseThrow();
    assertThat(again.term()).isGreaterThan(ta.term());
  }

  @Test
  void aFollowerSeesEachLeaderAndNone() throws Exception {
    List<Optional<String>> seen = Collections.synchronizedList(new ArrayList<>());
    Follower f = track(Follower.start(store(), "svc/leader", seen::add, Runnable::run));
    await().until(() -> seen.contains(Optional.empty()));
    Candidate a = track(Candidate.builder(store(), "svc/leader", "a").ttl(TTL).start());
    assertThat(f.awaitLeader(Duration.ofSeconds(5))).contains("a");
    a.close();
    await().until(() -> seen.size() >= 3 && seen.get(seen.size() - 1).isEmpty());
    assertThat(seen).containsExactly(Optional.empty(), Optional.of("a"), Optional.empty());
  }

  @Test
  void aFollowerSurvivesTheLossOfItsStoreConnection() throws Exception {
    MemoryStore fs = store();
    List<Optional<String>> seen = Collections.synchronizedList(new ArrayList<>());
    Follower f = track(Follower.start(fs, "svc/leader", seen::add, Runnable::run));
    await().until(() -> !seen.isEmpty());
    fs.simulatePartition(true);
    Candidate a = track(Candidate.builder(store(), "svc/leader", "a").ttl(TTL).start());
    assertThat(a.awaitLeadership(Duration.ofSeconds(5))).isPresent();
    fs.simulatePartition(false);
    assertThat(f.awaitLeader(Duration.ofSeconds(5))).contains("a");
  }

  @Test
  void badInputFailsAtConstructionBeforeAnythingIsWritten() {
    MemoryStore s = store();
    assertThatThrownBy(() -> Candidate.builder(s, "svc/leader", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodeId");
    assertThatThrownBy(() -> Candidate.builder(s, "svc//leader", "a").start())
        .isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(
            () -> Candidate.builder(s, "svc/leader", "a").ttl(Duration.ofMillis(10)).start())
        .isInstanceOf(TtlTooShortException.class);
    assertThatThrownBy(() -> Candidate.builder(s, "_libkv/x", "a").start())
        .isInstanceOf(InvalidKeyException.class);
    assertThat(s.exists("svc/leader")).isFalse();
  }
}
