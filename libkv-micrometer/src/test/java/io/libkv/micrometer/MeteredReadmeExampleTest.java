package io.libkv.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.Store;
import io.libkv.WriteOptions;
import io.libkv.memory.MemoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The README's Micrometer example, compiled and run: keep the two in step. */
class MeteredReadmeExampleTest {
  @Test
  void readmeExample() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    try (Store store =
        MeteredStore.wrap(LibKV.open("memory:app"), registry, Tags.of("store", "config"))) {
      store.put("config/colour", "blue".getBytes(UTF_8));
      KVPair p = store.get("config/colour");
      store.atomicPut("config/colour", "green".getBytes(UTF_8), p, WriteOptions.DEFAULT);
      try (LockLease lease = store.newLock("jobs/nightly").lock()) {
        assertThat(lease.fencingToken()).isPositive();
      }
    } finally {
      MemoryStore.drop("app");
    }
    assertThat(
            registry
                .get("libkv.store.operations")
                .tags("backend", "memory", "operation", "get", "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
  }
}
