package io.libkv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's example, compiled and run: keep the two in step. */
class ReadmeExampleTest {
  @Test
  void readmeExample() throws Exception {
    try (Store store = LibKV.open("memory:demo")) {
      store.put("config/colour", "blue".getBytes(UTF_8));
      KVPair p = store.get("config/colour");
      store.atomicPut("config/colour", "green".getBytes(UTF_8), p, WriteOptions.DEFAULT);

      try (Watch<KeyEvent> w = store.watch("config/colour")) {
        KeyEvent now = w.take();
        assertThat(now.type()).isEqualTo(EventType.CURRENT);
        assertThat(now.pair().orElseThrow().valueAsString()).isEqualTo("green");
      }
      try (LockLease lease = store.newLock("jobs/nightly").lock()) {
        long token = lease.fencingToken();
        assertThat(token).isPositive();
      }
      store.put(
          "members/me",
          "10.0.0.7:8080".getBytes(UTF_8),
          WriteOptions.ephemeral(Duration.ofSeconds(10)));
    }
  }
}
