package io.libkv.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.ManualTimeSource;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.TtlTooShortException;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TTL, keep-alive and loss on the reference store, driven by a manual clock: no sleeping. */
class MemoryStoreTimeTest {
  private final ManualTimeSource time = new ManualTimeSource();
  private final String name = "time-" + UUID.randomUUID();
  private final StoreConfig config = StoreConfig.builder().timeSource(time).build();
  private final MemoryStore a = MemoryStore.open(name, config);
  private final MemoryStore b = MemoryStore.open(name, config);

  @AfterEach
  void close() {
    a.close();
    b.close();
    MemoryStore.drop(name);
  }

  @Test
  void anEphemeralKeyLivesWhileItsWriterIsOpen() {
    a.put("e", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(1)));
    time.advance(Duration.ofSeconds(60));
    assertThat(b.exists("e")).isTrue();
    a.close();
    assertThat(b.exists("e")).isFalse();
  }

  @Test
  void anEphemeralKeyGoesWithinItsTtlWhenItsWriterIsCutOff() {
    a.put("e", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(3)));
    time.advance(Duration.ofMillis(500));
    a.simulatePartition(true);
    time.advance(Duration.ofMillis(2400));
    assertThat(b.exists("e")).isTrue();
    time.advance(Duration.ofMillis(1200));
    assertThat(b.exists("e")).isFalse();
    assertThatThrownBy(() -> a.get("e")).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void keepAliveListenersHearEveryRenewalFailureAndTheLoss() {
    java.util.List<io.libkv.KeepAliveEvent> heard =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    a.onKeepAlive(heard::add, Runnable::run);
    a.put("e", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(3)));
    time.advance(Duration.ofMillis(1100));
    time.advance(Duration.ofMillis(1000));
    assertThat(heard)
        .extracting(io.libkv.KeepAliveEvent::outcome)
        .containsExactly(
            io.libkv.KeepAliveEvent.Outcome.RENEWED, io.libkv.KeepAliveEvent.Outcome.RENEWED);
    assertThat(heard.get(0).lease()).contains("lease");
    heard.clear();
    a.simulatePartition(true);
    time.advance(Duration.ofMillis(1100));
    time.advance(Duration.ofMillis(1100));
    assertThat(heard)
        .extracting(io.libkv.KeepAliveEvent::outcome)
        .contains(io.libkv.KeepAliveEvent.Outcome.FAILED);
    assertThat(heard.get(0).failure()).isPresent();
    assertThat(heard.get(heard.size() - 1).outcome())
        .isEqualTo(io.libkv.KeepAliveEvent.Outcome.LOST);
  }

  @Test
  void anExpiringKeyGoesItsTtlAfterItsLastWrite() {
    a.put("x", new byte[] {1}, WriteOptions.expiring(Duration.ofSeconds(2)));
    time.advance(Duration.ofSeconds(1));
    a.put("x", new byte[] {2}, WriteOptions.expiring(Duration.ofSeconds(2)));
    time.advance(Duration.ofMillis(1900));
    assertThat(b.get("x").value()).containsExactly(2);
    time.advance(Duration.ofMillis(100));
    assertThat(b.exists("x")).isFalse();
  }

  @Test
  void aPlainPutOverATtlKeyMakesItPlain() {
    a.put("x", new byte[] {1}, WriteOptions.expiring(Duration.ofSeconds(2)));
    a.put("y", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(2)));
    a.put("x", new byte[] {2});
    a.put("y", new byte[] {2});
    time.advance(Duration.ofSeconds(10));
    a.close();
    assertThat(b.get("x").value()).containsExactly(2);
    assertThat(b.get("y").value()).containsExactly(2);
  }

  @Test
  void aTtlBelowTheMinimumIsRefused() {
    assertThatThrownBy(() -> a.put("x", new byte[0], WriteOptions.ephemeral(Duration.ofMillis(50))))
        .isInstanceOf(TtlTooShortException.class)
        .hasMessageContaining("TTL 50ms is below this backend's minimum of 100ms");
    assertThat(a.exists("x")).isFalse();
  }

  @Test
  void aLockIsLostBeforeAnotherClientCanTakeIt() throws Exception {
    List<ConnectionState> states = Collections.synchronizedList(new ArrayList<>());
    a.onConnectionStateChange(states::add, Runnable::run);
    LockLease held =
        a.newLock("l", LockOptions.builder().ttl(Duration.ofSeconds(3)).build()).lock();
    a.simulatePartition(true);
    long cutAt = time.nanoTime();
    while (!held.lost().isDone()) {
      time.advance(Duration.ofMillis(100));
    }
    long lostAt = time.nanoTime();
    assertThat(b.newLock("l").tryLock(Duration.ZERO)).isEmpty();
    time.advance(Duration.ofSeconds(2));
    LockLease next = b.newLock("l").tryLock(Duration.ZERO).orElseThrow();
    assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
    assertThat(Duration.ofNanos(lostAt - cutAt)).isLessThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(states).containsSubsequence(ConnectionState.SUSPENDED, ConnectionState.LOST);
    next.close();
    held.close();
  }

  @Test
  void aSessionExpiryDeletesEphemeralKeysAndLosesLocks() throws Exception {
    a.put("e", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(1)));
    LockLease held = a.newLock("l").lock();
    a.simulateSessionExpiry();
    assertThat(held.lost()).isDone();
    assertThat(held.isHeld()).isFalse();
    assertThat(b.exists("e")).isFalse();
    assertThat(b.exists("l")).isFalse();
    a.put("e2", new byte[] {1}, WriteOptions.ephemeral(Duration.ofSeconds(1)));
    time.advance(Duration.ofSeconds(10));
    assertThat(b.exists("e2")).isTrue();
  }

  @Test
  void deleteTreeIsOneChangeAndWatchesResumeFromAnIndex() throws Exception {
    a.put("d/x", new byte[] {1});
    a.put("d/y", new byte[] {1});
    long mark = a.get("d/y").lastIndex();
    a.put("d/x", new byte[] {2});
    a.deleteTree("d");
    try (Watch<KeyEvent> w = b.watch("d/x", WatchOptions.fromIndex(mark))) {
      KeyEvent put = w.take();
      KeyEvent del = w.take();
      assertThat(put.type()).isEqualTo(EventType.PUT);
      assertThat(del.type()).isEqualTo(EventType.DELETE);
      assertThat(del.index()).isGreaterThan(put.index());
      assertThat(w.poll(Duration.ZERO)).isEmpty();
    }
  }
}
