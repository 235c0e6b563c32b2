package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.LockLease;
import io.libkv.ManualTimeSource;
import io.libkv.StoreUnavailableException;
import io.libkv.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AbstractLockTest {
  @Test
  void anInterruptThatCutsAStoreCallShortIsAnInterruptedException() {
    AtomicInteger abandoned = new AtomicInteger();
    AbstractLock lock =
        new AbstractLock("k", TimeSource.system()) {
          @Override
          protected Attempt attempt() {
            // a blocking client call saw the interrupt, restored the flag and failed
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted", "k", "test:", List.of(), null);
          }

          @Override
          protected void abandon() {
            abandoned.incrementAndGet();
          }
        };
    assertThatThrownBy(lock::lock)
        .isInstanceOf(InterruptedException.class)
        .hasCauseInstanceOf(StoreUnavailableException.class);
    assertThat(Thread.interrupted()).isFalse();
    assertThat(abandoned).hasValue(1);
  }

  @Test
  void tryLockTimesOutByTheStoresTimeSourceNotTheWallClock() throws Exception {
    ManualTimeSource time = new ManualTimeSource();
    AtomicInteger abandoned = new AtomicInteger();
    CompletableFuture<Void> never = new CompletableFuture<>();
    AbstractLock lock =
        new AbstractLock("k", time) {
          @Override
          protected Attempt attempt() {
            return Attempt.waitFor(never); // held by someone else for good
          }

          @Override
          protected void abandon() {
            abandoned.incrementAndGet();
          }
        };
    CompletableFuture<Optional<LockLease>> result = new CompletableFuture<>();
    Thread waiter =
        new Thread(
            () -> {
              try {
                result.complete(lock.tryLock(Duration.ofMinutes(10)));
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            });
    waiter.setDaemon(true);
    waiter.start();
    // the timeout is the source's: until it moves, the wait goes on however long it really takes
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (time.pending().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    try {
      assertThat(result).isNotDone();
      time.advance(Duration.ofMinutes(10));
      assertThat(result.get(10, TimeUnit.SECONDS)).isEmpty();
      assertThat(abandoned).hasValue(1);
    } finally {
      waiter.interrupt();
    }
  }
}
