package io.libkv.shedlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.junit.jupiter.api.Test;

/** The README's ShedLock example, run as written on {@code memory:}: keep the two in step. */
class ReadmeShedLockTest {
  @Test
  void readmeExample() {
    AtomicInteger runs = new AtomicInteger();
    Runnable report = runs::incrementAndGet;
    try (Store store = LibKV.open("memory:")) {
      LockProvider provider = new LibkvLockProvider(store, "shedlock"); // keys shedlock/NAME
      LockingTaskExecutor executor = new DefaultLockingTaskExecutor(provider);
      executor.executeWithLock(
          (Runnable) () -> report.run(),
          new LockConfiguration(
              Instant.now(), "nightly-report", Duration.ofMinutes(10), Duration.ofSeconds(30)));

      assertThat(runs).hasValue(1);
      // lockAtLeastFor keeps the lock after the run: a second node skips it
      executor.executeWithLock(
          (Runnable) () -> report.run(),
          new LockConfiguration(
              Instant.now(), "nightly-report", Duration.ofMinutes(10), Duration.ofSeconds(30)));
      assertThat(runs).hasValue(1);
      assertThat(store.get("shedlock/nightly-report").valueAsString()).startsWith("lockedBy=");
    }
  }
}
