package io.libkv.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.memory.MemoryStore;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decorator on a bbolt file, and the {@code metrics} URI parameter, which wraps a store opened
 * by URI on Micrometer's global registry.
 */
class MeteredBoltdbStoreTest {
  @TempDir Path dir;

  @Test
  void aBboltStoresCallsAreTaggedWithItsBackend() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Store store = MeteredStore.wrap(LibKV.open("boltdb:" + dir.resolve("m.db")), registry)) {
      store.put("a", "1".getBytes(UTF_8));
      assertThat(store.get("a").valueAsString()).isEqualTo("1");
      assertThat(store.exists("b")).isFalse();
    }
    assertThat(
            registry
                .get("libkv.store.operations")
                .tags("backend", "boltdb", "operation", "get", "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("libkv.store.operations")
                .tags("backend", "boltdb", "operation", "exists", "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void theMetricsParameterWrapsTheStoreOnTheGlobalRegistry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Metrics.addRegistry(registry);
    try {
      try (Store store = LibKV.open("boltdb:" + dir.resolve("u.db") + "?metrics=true")) {
        assertThat(store).isInstanceOf(MeteredStore.class);
        store.put("a", "1".getBytes(UTF_8));
      }
      assertThat(
              registry
                  .get("libkv.store.operations")
                  .tags("backend", "boltdb", "operation", "put", "outcome", "success")
                  .timer()
                  .count())
          .isEqualTo(1);
      try (Store store = LibKV.open("memory:metrics-off?metrics=false")) {
        assertThat(store).isInstanceOf(MemoryStore.class);
      } finally {
        MemoryStore.drop("metrics-off");
      }
    } finally {
      Metrics.removeRegistry(registry);
    }
  }

  @Test
  void aMetricsValueOtherThanTrueOrFalseIsRefusedByName() {
    assertThatThrownBy(() -> LibKV.open("memory:metrics-bad?metrics=yes"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("parameter 'metrics': expected true or false, was \"yes\"");
  }

  @Test
  void aBboltStoresEventsAreStampedWhenReceivedAndTheirDeliveryTimed() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    long before = System.nanoTime();
    try (Store store = MeteredStore.wrap(LibKV.open("boltdb:" + dir.resolve("w.db")), registry);
        Watch<KeyEvent> w = store.watch("a");
        Watch<TreeEvent> t = store.watchTree("")) {
      List<Object> stamped = new ArrayList<>();
      stamped.add(w.take());
      stamped.add(t.take());
      store.put("a", "1".getBytes(UTF_8));
      stamped.add(w.take());
      stamped.add(t.take());
      long now = System.nanoTime();
      for (Object e : stamped) {
        long received =
            e instanceof KeyEvent
                ? ((KeyEvent) e).receivedNanos()
                : ((TreeEvent) e).receivedNanos();
        assertThat(received - before).as("%s", e).isBetween(0L, now - before);
      }
    }
    for (String kind : List.of("key", "tree")) {
      assertThat(
              registry
                  .get("libkv.store.watch.delivery")
                  .tags("backend", "boltdb", "kind", kind)
                  .timer()
                  .count())
          .isEqualTo(2);
    }
  }
}
