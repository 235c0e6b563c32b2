package io.libkv.recipes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.InvalidKeyException;
import io.libkv.TtlTooShortException;
import io.libkv.memory.MemoryStore;
import io.libkv.recipes.discovery.Member;
import io.libkv.recipes.discovery.MembershipChange;
import io.libkv.recipes.discovery.ServiceMembers;
import io.libkv.recipes.discovery.ServiceRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Service discovery on the reference store. */
class DiscoveryTest extends MemoryClients {
  private static final Duration TTL = Duration.ofMillis(600);

  @Test
  void fiftyMembersRegisterAndDieAndTheWatchedSetConverges() throws Exception {
    List<MembershipChange> changes = new CopyOnWriteArrayList<>();
    ServiceMembers watcher =
        track(ServiceMembers.watch(store(), "web", changes::add, Runnable::run));
    assertThat(watcher.awaitInitialized(Duration.ofSeconds(5))).isTrue();
    List<MemoryStore> stores = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      MemoryStore s = store();
      stores.add(s);
      track(
          ServiceRegistration.builder(s, "web", String.format("m%02d", i))
              .address("10.0.0." + i + ":80")
              .metadata(Map.of("zone", i % 2 == 0 ? "a" : "b"))
              .heartbeat(Duration.ofMillis(200))
              .ttl(TTL)
              .register());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.members().size() == 50);
    assertThat(watcher.members().get("m07").metadata()).containsEntry("zone", "b");
    // half of them "crash": cut off from the store, their keys must go within the TTL
    Set<String> alive = new TreeSet<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      if (i % 2 == 0) {
        stores.get(i).simulatePartition(true);
      } else {
        alive.add(String.format("m%02d", i));
      }
    }
    await().atMost(TTL.plusSeconds(1)).until(() -> watcher.members().keySet().equals(alive));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(TTL.plusSeconds(1));
    MembershipChange last = changes.get(changes.size() - 1);
    assertThat(last.members().keySet()).isEqualTo(alive);
    assertThat(changes.stream().mapToInt(c -> c.removed().size()).sum()).isEqualTo(25);
    assertThat(changes.stream().mapToInt(c -> c.added().size()).sum()).isEqualTo(50);
  }

  @Test
  void metadataUpdatesAreChangesAndCloseDeregisters() throws Exception {
    List<MembershipChange> changes = new CopyOnWriteArrayList<>();
    ServiceMembers watcher =
        track(ServiceMembers.watch(store(), "api", changes::add, Runnable::run));
    ServiceRegistration r =
        ServiceRegistration.builder(store(), "api", "one")
            .address("127.0.0.1:9")
            .metadataJson("{\"v\":1}")
            .ttl(TTL)
            .register();
    await().until(() -> watcher.members().containsKey("one"));
    r.updateMetadata(Map.of("v", 2));
    await().until(() -> changes.stream().anyMatch(c -> !c.changed().isEmpty()));
    assertThat(watcher.members().get("one").metadata()).containsEntry("v", 2);
    r.close();
    await().atMost(Duration.ofSeconds(1)).until(() -> watcher.members().isEmpty());
  }

  @Test
  void aRegistrationLostWithItsSessionIsWrittenAgain() throws Exception {
    MemoryStore s = store();
    MemoryStore reader = store();
    track(
        ServiceRegistration.builder(s, "db", "primary")
            .address("127.0.0.1:5432")
            .heartbeat(Duration.ofMillis(100))
            .ttl(TTL)
            .register());
    s.simulateSessionExpiry();
    assertThat(reader.exists("db/primary")).isFalse();
    await().atMost(Duration.ofSeconds(2)).until(() -> reader.exists("db/primary"));
  }

  @Test
  void membersAreStoredAsDocumented() throws Exception {
    MemoryStore reader = store();
    track(
        ServiceRegistration.builder(store(), "svc", "id1")
            .address("h:1")
            .metadataJson("{\"k\":\"v\"}")
            .ttl(TTL)
            .register());
    assertThat(reader.get("svc/id1").valueAsString())
        .isEqualTo("{\"id\":\"id1\",\"address\":\"h:1\",\"meta\":{\"k\":\"v\"}}");
    assertThat(Member.of("id1", "h:1", "{\"k\":\"v\"}").metadataJson()).isEqualTo("{\"k\":\"v\"}");
  }

  @Test
  void badInputFailsBeforeAnythingIsWritten() {
    MemoryStore s = store();
    assertThatThrownBy(() -> ServiceRegistration.builder(s, "svc", "a/b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServiceRegistration.builder(s, "svc", ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServiceRegistration.builder(s, "s//x", "a"))
        .isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(
            () -> ServiceRegistration.builder(s, "svc", "a").address("h:1").metadataJson("[1]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON object");
    assertThatThrownBy(
            () ->
                ServiceRegistration.builder(s, "svc", "a")
                    .address("h:1")
                    .ttl(Duration.ofMillis(5))
                    .register())
        .isInstanceOf(TtlTooShortException.class);
    assertThatThrownBy(() -> ServiceRegistration.builder(s, "svc", "a").register())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("address");
    assertThat(s.exists("svc/a")).isFalse();
  }
}
