package io.libkv.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.KeyNotFoundException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.recipes.election.Leadership;
import io.libkv.spring.boot.internal.LibKVAutoConfiguration;
import io.libkv.spring.boot.internal.LibKVLeaderAutoConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The LeaderElection bean: made from libkv.leader.*, runs callbacks while leading, moves on close.
 */
class LeaderElectionAutoConfigurationTest {
  // long enough that a new leader within a few seconds proves the old one released its term
  private static final String TTL = "libkv.leader.ttl=60s";

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  LibKVAutoConfiguration.class, LibKVLeaderAutoConfiguration.class));

  /** What one context's callback heard, in order. */
  static final class Recorder implements LeaderCallback {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void elected(Leadership term) {
      events.add("elected " + term.node());
    }

    @Override
    public void deposed(Leadership term) {
      events.add("deposed " + term.node());
    }
  }

  private ApplicationContextRunner node(String uri, String id, Recorder recorder) {
    return runner
        .withPropertyValues(
            "libkv.uri=" + uri, "libkv.leader.key=jobs/leader", "libkv.leader.node-id=" + id, TTL)
        .withBean("recorder", LeaderCallback.class, () -> recorder);
  }

  @Test
  void theCallbackRunsOnOneOfTwoContextsAndMovesWhenThatOneCloses() {
    String uri = "memory:elect-two";
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    node(uri, "a", a)
        .run(
            ctxA ->
                node(uri, "b", b)
                    .run(
                        ctxB -> {
                          LeaderElection ea = ctxA.getBean(LeaderElection.class);
                          LeaderElection eb = ctxB.getBean(LeaderElection.class);
                          await()
                              .atMost(Duration.ofSeconds(10))
                              .until(() -> ea.isLeader() || eb.isLeader());
                          boolean aLeads = ea.isLeader();
                          Recorder leader = aLeads ? a : b;
                          Recorder other = aLeads ? b : a;
                          String leaderId = aLeads ? "a" : "b";
                          String otherId = aLeads ? "b" : "a";
                          await()
                              .atMost(Duration.ofSeconds(10))
                              .until(() -> leader.events.equals(List.of("elected " + leaderId)));
                          // one leader at a time: the other has heard nothing
                          assertThat(other.events).isEmpty();
                          assertThat(aLeads ? eb.isLeader() : ea.isLeader()).isFalse();

                          AssertableApplicationContext leaderCtx = aLeads ? ctxA : ctxB;
                          leaderCtx.close();
                          // the closed context heard deposed before it finished closing
                          assertThat(leader.events)
                              .containsExactly("elected " + leaderId, "deposed " + leaderId);
                          // released at once: far sooner than the 60 s TTL
                          await()
                              .atMost(Duration.ofSeconds(10))
                              .until(() -> other.events.equals(List.of("elected " + otherId)));
                          assertThat((aLeads ? eb : ea).leadership().map(Leadership::node))
                              .contains(otherId);
                        }));
  }

  @Test
  void callbacksWithoutAnElectionKeyFailStartupNamingTheProperty() {
    runner
        .withPropertyValues("libkv.uri=memory:elect-nokey")
        .withBean("recorder", LeaderCallback.class, Recorder::new)
        .run(
            ctx ->
                assertThat(
                        StoreAutoConfigurationTest.startupFailure(ctx.getStartupFailure())
                            .property())
                    .isEqualTo("libkv.leader.key"));
  }

  @Test
  void leaderSettingsWithoutAnElectionKeyFailStartupNamingTheProperty() {
    runner
        .withPropertyValues("libkv.uri=memory:elect-ttl-only", "libkv.leader.ttl=20s")
        .run(
            ctx ->
                assertThat(
                        StoreAutoConfigurationTest.startupFailure(ctx.getStartupFailure())
                            .getMessage())
                    .startsWith("libkv.leader.key: not set"));
  }

  @Test
  void noElectionWithoutAKeyOrCallbacks() {
    runner
        .withPropertyValues("libkv.uri=memory:elect-none")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(LeaderElection.class));
  }

  @Test
  void anElectionWithoutCallbacksStillRuns() {
    runner
        .withPropertyValues(
            "libkv.uri=memory:elect-bare", "libkv.leader.key=jobs/bare", "libkv.leader.node-id=n1")
        .run(
            ctx -> {
              LeaderElection e = ctx.getBean(LeaderElection.class);
              assertThat(e.nodeId()).isEqualTo("n1");
              await().atMost(Duration.ofSeconds(10)).until(e::isLeader);
              // the election key holds the leader's node id
              Store store = ctx.getBean(Store.class);
              assertThat(
                      new String(
                          store.get("jobs/bare").value(), java.nio.charset.StandardCharsets.UTF_8))
                  .isEqualTo("n1");
            });
  }

  @Test
  void theApplicationsOwnElectionIsKept() {
    runner
        .withUserConfiguration(OwnElection.class)
        .withPropertyValues("libkv.uri=memory:elect-own")
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(LeaderElection.class);
              assertThat(ctx.getBean(LeaderElection.class).key()).isEqualTo("jobs/own");
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnElection {
    @Bean
    LeaderElection ownElection(Store store) {
      return LeaderElection.builder(store, "jobs/own", "me").build();
    }
  }

  @Test
  void closingTheStoreOwnerLastReleasesTheKey() {
    Recorder r = new Recorder();
    node("memory:elect-release", "solo", r)
        .run(ctx -> await().atMost(Duration.ofSeconds(10)).until(() -> !r.events.isEmpty()));
    try (Store probe = LibKV.open("memory:elect-release")) {
      assertThatThrownBy(() -> probe.get("jobs/leader")).isInstanceOf(KeyNotFoundException.class);
    }
    assertThat(r.events).containsExactly("elected solo", "deposed solo");
  }
}
