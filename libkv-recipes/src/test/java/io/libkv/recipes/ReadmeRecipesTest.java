package io.libkv.recipes;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.recipes.discovery.Member;
import io.libkv.recipes.discovery.ServiceMembers;
import io.libkv.recipes.discovery.ServiceRegistration;
import io.libkv.recipes.election.Candidate;
import io.libkv.recipes.election.Leadership;
import io.libkv.recipes.election.LeadershipListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The README's two recipe examples, compiled and run as written: keep the two in step. */
class ReadmeRecipesTest {
  private final ExecutorService executor = Executors.newSingleThreadExecutor();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private void startWork(long term) {
    seen.add("start " + term);
  }

  private void stopWork() {
    seen.add("stop");
  }

  private void log(String line) {
    seen.add(line);
  }

  private void route(Collection<Member> members) {
    List<String> ids = new ArrayList<>();
    members.forEach(m -> ids.add(m.id() + "@" + m.address()));
    seen.add("route " + ids);
  }

  @Test
  void leaderElection() throws Exception {
    try (Store store = LibKV.open("memory:")) {
      // ---- as in the README
      LeadershipListener listener =
          new LeadershipListener() {
            @Override
            public void elected(Leadership term) {
              startWork(term.term());
            } // pass the term on

            @Override
            public void deposed(Leadership term) {
              stopWork();
            }
          };
      try (Candidate me =
          Candidate.builder(store, "services/scheduler/leader", "node-1")
              .ttl(Duration.ofSeconds(15))
              .listener(listener, executor)
              .start()) {
        me.awaitLeadership(Duration.ofMinutes(1)).ifPresent(t -> log("leading, term " + t.term()));
      }
      // ----
    }
    executor.shutdown();
    assertThat(executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    // the listener runs on the executor: elected (and deposed, once closed) may or may not have
    // been delivered by then, but never in another order
    assertThat(seen)
        .anyMatch(l -> l.matches("leading, term [1-9][0-9]*"))
        .allMatch(l -> l.matches("start [1-9][0-9]*|leading, term [1-9][0-9]*|stop"));
    List<String> work = seen.stream().filter(l -> !l.startsWith("leading")).toList();
    assertThat(work).isSubsetOf(work.isEmpty() ? List.of() : List.of(work.get(0), "stop"));
    assertThat(work.isEmpty() || work.get(0).startsWith("start "))
        .as("started before stopped: %s", work)
        .isTrue();
  }

  @Test
  void serviceDiscovery() throws Exception {
    try (Store store = LibKV.open("memory:")) {
      Member api1;
      // ---- as in the README
      ServiceRegistration reg =
          ServiceRegistration.builder(store, "services/api", "api-1")
              .address("10.0.0.7:8080")
              .ttl(Duration.ofSeconds(10))
              .register(); // kept alive until closed
      try (ServiceMembers members =
          ServiceMembers.watch(
              store, "services/api", change -> route(change.members().values()), executor)) {
        members.awaitInitialized(Duration.ofSeconds(5));
        api1 = members.members().get("api-1"); // id, address, metadata
      }
      reg.close(); // on shutdown: deregisters
      // ----
      assertThat(api1).isNotNull();
      assertThat(api1.address()).isEqualTo("10.0.0.7:8080");
      assertThat(store.exists("services/api/api-1")).as("deregistered by close").isFalse();
    }
    executor.shutdown();
    assertThat(executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    // the listener runs on the executor: the watch may close before it was called (DiscoveryTest
    // covers its calls); whatever it was given is the registered set
    assertThat(seen).allMatch(l -> l.equals("route [api-1@10.0.0.7:8080]"));
  }
}
