package io.libkv.memory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.StoreConfig;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.spi.Coalescers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an event tells about its own delivery on {@code memory:}: when the store received the change
 * ({@code receivedNanos}) and how many events a slow consumer's buffer merged into it ({@code
 * coalesced}).
 */
class WatchDeliveryMetadataTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final String name = "delivery-" + UUID.randomUUID();
  private MemoryStore store;

  @BeforeEach
  void open() {
    store = MemoryStore.open(name, StoreConfig.DEFAULT);
  }

  @AfterEach
  void close() {
    store.close();
    MemoryStore.drop(name);
  }

  private static byte[] v(int i) {
    return Integer.toString(i).getBytes(UTF_8);
  }

  @Test
  void aKeyEventMergedBySlowConsumersBufferCountsTheEventsItStandsFor() throws Exception {
    WatchOptions two = WatchOptions.builder().bufferSize(2).build();
    try (Watch<KeyEvent> w = store.watch("c/k", two)) {
      assertThat(w.take().coalesced()).isZero(); // ABSENT, alone in the buffer
      long before = System.nanoTime();
      for (int i = 1; i <= 10; i++) {
        store.put("c/k", v(i));
      }
      // the buffer holds 2: the first put, then the other nine merged into one event
      KeyEvent first = w.take();
      KeyEvent last = w.poll(BOUND).orElseThrow();
      assertThat(first.coalesced()).isZero();
      assertThat(first.pair().map(KVPair::valueAsString)).contains("1");
      assertThat(last.coalesced()).isEqualTo(8);
      assertThat(last.pair().map(KVPair::valueAsString)).contains("10");
      // the merged event is as old as the oldest change it carries (the second put)
      long now = System.nanoTime();
      assertThat(first.receivedNanos() - before).isBetween(0L, now - before);
      assertThat(last.receivedNanos() - first.receivedNanos()).isBetween(0L, now - before);
      assertThat(w.poll(Duration.ofMillis(50))).isEmpty();
    }
  }

  @Test
  void aTreeEventMergedBySlowConsumersBufferCountsTheEventsItStandsFor() throws Exception {
    WatchOptions one = WatchOptions.builder().bufferSize(1).build();
    try (Watch<TreeEvent> w = store.watchTree("t", one)) {
      assertThat(w.take().type()).isEqualTo(EventType.ABSENT);
      for (int i = 1; i <= 5; i++) {
        store.put("t/" + i, v(i));
      }
      TreeEvent merged = w.take();
      assertThat(merged.coalesced()).isEqualTo(4);
      assertThat(merged.changes()).hasSize(5);
    }
  }

  @Test
  void everyEventFromMemoryIsStampedWhenTheStoreReceivedItsChange() throws Exception {
    store.put("s/a", v(0));
    long before = System.nanoTime();
    try (Watch<KeyEvent> keys = store.watch("s/a");
        Watch<TreeEvent> tree = store.watchTree("s")) {
      store.put("s/a", v(1));
      store.delete("s/a");
      List<KeyEvent> got = List.of(keys.take(), keys.take(), keys.take());
      List<TreeEvent> trees = List.of(tree.take(), tree.take(), tree.take());
      long now = System.nanoTime();
      for (KeyEvent e : got) {
        assertThat(e.coalesced()).isZero();
        assertThat(e.receivedNanos() - before).isBetween(0L, now - before);
      }
      for (TreeEvent e : trees) {
        assertThat(e.coalesced()).isZero();
        assertThat(e.receivedNanos() - before).isBetween(0L, now - before);
      }
      // received in order
      assertThat(got.get(1).receivedNanos() - got.get(0).receivedNanos()).isNotNegative();
      assertThat(got.get(2).receivedNanos() - got.get(1).receivedNanos()).isNotNegative();
    }
  }

  @Test
  void metadataTakesNoPartInEquality() {
    KVPair p = KVPair.of("k", v(1), 3);
    KeyEvent e = KeyEvent.of(EventType.PUT, "k", p, 3);
    KeyEvent merged = Coalescers.KEY.apply(e, KeyEvent.of(EventType.PUT, "k", p, 3));
    assertThat(merged.coalesced()).isEqualTo(1);
    assertThat(merged).isEqualTo(e).hasSameHashCodeAs(e);
    TreeEvent t = TreeEvent.of(EventType.PUT, "", List.of(p), List.of(TreeEvent.Change.put(p)), 3);
    assertThat(Coalescers.TREE.apply(Coalescers.TREE.apply(t, t), t).coalesced()).isEqualTo(2);
  }
}
