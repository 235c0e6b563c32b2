package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackoffRetryTest {
  @Test
  void ceilingsDoubleUpToTheMaximum() {
    Backoff b = Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(100), bound -> bound);
    assertThat(b.delay(0)).isEqualTo(Duration.ofMillis(10));
    assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(20));
    assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(80));
    assertThat(b.delay(4)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.delay(1000)).isEqualTo(Duration.ofMillis(100));
    Backoff jittered = Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(100));
    for (int i = 0; i < 100; i++) {
      assertThat(jittered.delay(i)).isBetween(Duration.ZERO, jittered.ceiling(i));
    }
  }

  @Test
  void retriesWhatIsKnownNotToHaveApplied() {
    AtomicInteger calls = new AtomicInteger();
    String r =
        Retry.call(
            () -> {
              if (calls.incrementAndGet() < 3) {
                throw new StoreUnavailableException(
                    "refused", null, null, List.of("127.0.0.1:1"), null);
              }
              return "ok";
            },
            Backoff.exponential(Duration.ofMillis(1), Duration.ofMillis(2)),
            Duration.ofSeconds(5));
    assertThat(r).isEqualTo("ok");
    assertThat(calls).hasValue(3);
  }

  @Test
  void neverRepeatsAWriteOfUnknownOutcome() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Retry.call(
                    () -> {
                      calls.incrementAndGet();
                      throw new UnknownOutcomeException(
                          "sent, then the connection broke", "k", null, List.of(), null);
                    },
                    Backoff.exponential(Duration.ofMillis(1), Duration.ofMillis(2)),
                    Duration.ofSeconds(5)))
        .isInstanceOf(UnknownOutcomeException.class)
        .hasMessageContaining("/blob/main/docs/errors.md#unknown-outcome");
    assertThat(calls).hasValue(1);
  }

  @Test
  void givesUpAtTheDeadline() {
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                Retry.call(
                    () -> {
                      throw new StoreUnavailableException(
                          "down", null, null, List.of("127.0.0.1:1"), null);
                    },
                    Backoff.exponential(Duration.ofMillis(5), Duration.ofMillis(20)),
                    Duration.ofMillis(200)))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("127.0.0.1:1");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }
}
