package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVException;
import io.libkv.ManualTimeSource;
import io.libkv.StoreUnavailableException;
import io.libkv.internal.kit.LeakProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KeepAliveTest {
  private final ManualTimeSource time = new ManualTimeSource();

  @Test
  void renewsEveryThirdOfTheTtl() {
    AtomicInteger renewals = new AtomicInteger();
    try (KeepAlive k =
        KeepAlive.start(
            "s", Duration.ofSeconds(3), time, Runnable::run, renewals::incrementAndGet, e -> {})) {
      time.advance(Duration.ofMillis(999));
      assertThat(renewals).hasValue(0);
      time.advance(Duration.ofMillis(1));
      assertThat(renewals).hasValue(1);
      time.advance(Duration.ofSeconds(9));
      assertThat(renewals).hasValue(10);
      assertThat(k.isRunning()).isTrue();
    }
  }

  @Test
  void declaresLossBeforeTheServerCanExpireTheLease() {
    AtomicBoolean failing = new AtomicBoolean();
    AtomicReference<KVException> lost = new AtomicReference<>();
    Duration ttl = Duration.ofSeconds(3);
    KeepAlive k =
        KeepAlive.start(
            "s",
            ttl,
            time,
            Runnable::run,
            () -> {
              if (failing.get()) {
                throw new StoreUnavailableException("down", null, null, List.of(), null);
              }
            },
            lost::set);
    time.advance(Duration.ofSeconds(1)); // renewed at t=1s: the server's deadline is now t=4s
    failing.set(true);
    time.advance(Duration.ofMillis(1900));
    assertThat(lost.get()).isNull();
    time.advance(Duration.ofMillis(200)); // t=3.1s > 1s + 2/3 * 3s
    assertThat(lost.get()).isInstanceOf(StoreUnavailableException.class);
    assertThat(k.isRunning()).isFalse();
    assertThat(time.nanoTime()).isLessThan(Duration.ofSeconds(4).toNanos());
  }

  @Test
  void aRenewalThatHangsDoesNotDelayTheLoss() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService io =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    AtomicReference<KVException> lost = new AtomicReference<>();
    try {
      KeepAlive k =
          KeepAlive.start(
              "s",
              Duration.ofSeconds(3),
              time,
              io,
              () -> {
                try {
                  release
                      .await(); // a call into a partition that drops nothing: no answer, no error
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              lost::set);
      time.advance(Duration.ofSeconds(1)); // the first renewal starts and hangs
      time.advance(Duration.ofMillis(999));
      assertThat(lost.get()).isNull();
      time.advance(Duration.ofMillis(1)); // 2/3 of the TTL since the start
      assertThat(lost.get()).isNotNull().hasMessageContaining("no renewal succeeded");
      assertThat(k.isRunning()).isFalse();
      release.countDown(); // a late success does not bring it back
      io.shutdown();
      assertThat(io.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(k.isRunning()).isFalse();
    } finally {
      release.countDown();
      io.shutdownNow();
    }
  }

  @Test
  void aTransientFailureIsRetriedAndForgotten() {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<KVException> lost = new AtomicReference<>();
    try (KeepAlive k =
        KeepAlive.start(
            "s",
            Duration.ofSeconds(3),
            time,
            Runnable::run,
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new StoreUnavailableException("blip", null, null, List.of(), null);
              }
            },
            lost::set)) {
      time.advance(Duration.ofSeconds(30));
      assertThat(lost.get()).isNull();
      assertThat(calls.get()).isGreaterThan(9);
      assertThat(k.isRunning()).isTrue();
    }
  }

  @Test
  void closeStopsRenewalsAndTheCounter() {
    int before = LeakProbe.activeKeepAlives();
    AtomicInteger renewals = new AtomicInteger();
    KeepAlive k =
        KeepAlive.start(
            "s", Duration.ofSeconds(3), time, Runnable::run, renewals::incrementAndGet, e -> {});
    assertThat(LeakProbe.activeKeepAlives()).isEqualTo(before + 1);
    k.close();
    k.close();
    assertThat(LeakProbe.activeKeepAlives()).isEqualTo(before);
    time.advance(Duration.ofSeconds(10));
    assertThat(renewals).hasValue(0);
  }
}
