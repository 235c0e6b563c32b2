package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.StoreUnavailableException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AbstractLockTest {
  @Test
  void anInterruptThatCutsAStoreCallShortIsAnInterruptedException() {
    AtomicInteger abandoned = new AtomicInteger();
    AbstractLock lock = new AbstractLock("k") {
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
    assertThatThrownBy(lock::lock).isInstanceOf(InterruptedException.class)
        .hasCauseInstanceOf(StoreUnavailableException.class);
    assertThat(Thread.interrupted()).isFalse();
    assertThat(abandoned).hasValue(1);
  }
}
