package io.libkv.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void runsTasksOneAtATimeInTheOrderOfferedOnAPoolOfManyThreads() throws Exception {
    List<Integer> ran = new ArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    try (SerialExecutor serial = SerialExecutor.on("test", pool)) {
      for (int i = 0; i < 500; i++) {
        int n = i;
        assertThat(
                serial.offer(
                    () -> {
                      if (running.incrementAndGet() > 1) {
                        overlaps.incrementAndGet();
                      }
                      ran.add(n);
                      running.decrementAndGet();
                    }))
            .isTrue();
      }
      serial.offer(done::countDown);
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(overlaps).hasValue(0);
    assertThat(ran).hasSize(500).isSorted();
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheNext() throws Exception {
    CountDownLatch next = new CountDownLatch(1);
    try (SerialExecutor serial = SerialExecutor.on("test", pool)) {
      serial.offer(
          () -> {
            throw new IllegalStateException("listener bug");
          });
      serial.offer(next::countDown);
      assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void refusesTasksOnceClosed() {
    SerialExecutor serial = SerialExecutor.on("test", pool);
    serial.close();
    AtomicInteger ran = new AtomicInteger();
    assertThat(serial.offer(ran::incrementAndGet)).isFalse();
    assertThat(serial.isOpen()).isFalse();
    assertThat(ran).hasValue(0);
  }
}
