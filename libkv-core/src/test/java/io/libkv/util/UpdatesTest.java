package io.libkv.util;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.UpdateConflictException;
import io.libkv.memory.MemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The shared read-modify-write loop under contention. */
class UpdatesTest {
  private static int count(Optional<KVPair> p) {
    return p.map(v -> Integer.parseInt(v.valueAsString())).orElse(0);
  }

  /**
   * Four threads incrementing one counter with the default options, each computation taking a
   * little time as a round trip would: every update lands, none gives up. (A loop that sleeps and
   * then retries with the pair from before its sleep loses every race after the first backoff.)
   */
  @Test
  void contendedUpdatesWithDefaultOptionsDoNotGiveUp() throws Exception {
    try (Store store = MemoryStore.open("", StoreConfig.DEFAULT)) {
      AtomicInteger gaveUp = new AtomicInteger();
      int threads = 8;
      int each = 100;
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread th =
            new Thread(
                () -> {
                  for (int i = 0; i < each; i++) {
                    try {
                      store.update(
                          "counter",
                          cur -> {
                            LockSupport.parkNanos(1_000_000); // a round trip's worth of window
                            return String.valueOf(count(cur) + 1).getBytes(UTF_8);
                          });
                    } catch (UpdateConflictException e) {
                      gaveUp.incrementAndGet();
                    }
                  }
                });
        ts.add(th);
        th.start();
      }
      for (Thread t : ts) {
        t.join();
      }
      assertThat(gaveUp.get()).as("updates that gave up").isZero();
      assertThat(store.get("counter").valueAsString()).isEqualTo(String.valueOf(threads * each));
    }
  }
}
