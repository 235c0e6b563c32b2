package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.TreeEvent;
import io.libkv.WatchListener;
import io.libkv.internal.kit.LeakProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventChannelTest {
  private static KeyEvent put(String v, long i) {
    return KeyEvent.of(
        EventType.PUT, "k", KVPair.of("k", v.getBytes(StandardCharsets.UTF_8), i), i);
  }

  @Test
  void everyCloseHookRunsOnceInOrderEvenIfOneThrows() {
    List<String> ran = new ArrayList<>();
    EventChannel<KeyEvent> closed = EventChannel.polling("t", 4, Coalescers.KEY);
    closed.onClose(() -> ran.add("hub"));
    closed.onClose(
        () -> {
          ran.add("throws");
          throw new IllegalStateException("a failing hook");
        });
    closed.onClose(() -> ran.add("store"));
    closed.close();
    closed.close();
    assertThat(ran).containsExactly("hub", "throws", "store");
    // registered after the end: run at once, so a backend racing a close still frees its resources
    closed.onClose(() -> ran.add("late"));
    assertThat(ran).containsExactly("hub", "throws", "store", "late");

    List<String> failedRan = new ArrayList<>();
    EventChannel<KeyEvent> failed = EventChannel.polling("t", 4, Coalescers.KEY);
    failed.onClose(() -> failedRan.add("hub"));
    failed.onClose(() -> failedRan.add("store"));
    failed.fail(new KVException("gone", null));
    failed.close();
    assertThat(failedRan).containsExactly("hub", "store");
  }

  @Test
  void aSlowConsumerGetsTheLatestStateWithinTheBuffer() throws Exception {
    EventChannel<KeyEvent> ch = EventChannel.polling("t", 4, Coalescers.KEY);
    ch.offer(
        KeyEvent.of(
            EventType.CURRENT, "k", KVPair.of("k", "0".getBytes(StandardCharsets.UTF_8), 1), 1));
    for (int i = 2; i <= 1000; i++) {
      assertThat(ch.offer(put("v" + i, i))).isTrue();
    }
    List<KeyEvent> got = new ArrayList<>();
    while (true) {
      var e = ch.poll(Duration.ZERO);
      if (e.isEmpty()) {
        break;
      }
      got.add(e.get());
    }
    assertThat(got).hasSizeLessThanOrEqualTo(4);
    assertThat(got.get(0).type()).isEqualTo(EventType.CURRENT);
    assertThat(got.get(got.size() - 1).pair().orElseThrow().valueAsString()).isEqualTo("v1000");
    assertThat(got).extracting(KeyEvent::index).isSorted();
    assertThat(ch.coalescedCount()).isEqualTo(996);
    ch.close();
  }

  @Test
  void coalescingAnInitialEventKeepsItsTypeAndTheLatestState() {
    KeyEvent cur = KeyEvent.of(EventType.ABSENT, "k", null, 3);
    assertThat(Coalescers.KEY.apply(cur, put("x", 4)).type()).isEqualTo(EventType.CURRENT);
    KeyEvent del = KeyEvent.of(EventType.DELETE, "k", null, 5);
    assertThat(Coalescers.KEY.apply(put("x", 4), del)).isEqualTo(del);
    KeyEvent resync = KeyEvent.of(EventType.RESYNC, "k", null, 7);
    assertThat(Coalescers.KEY.apply(resync, put("y", 8)).type()).isEqualTo(EventType.RESYNC);
    assertThat(Coalescers.KEY.apply(resync, put("y", 8)).index()).isEqualTo(8);
  }

  @Test
  void coalescedTreeEventsUniteTheirChanges() {
    KVPair a = KVPair.of("d/a", new byte[] {1}, 2);
    KVPair b = KVPair.of("d/b", new byte[] {2}, 3);
    TreeEvent e1 =
        TreeEvent.of(EventType.PUT, "d", List.of(a), List.of(TreeEvent.Change.put(a)), 2);
    TreeEvent e2 =
        TreeEvent.of(EventType.PUT, "d", List.of(a, b), List.of(TreeEvent.Change.put(b)), 3);
    TreeEvent e3 =
        TreeEvent.of(EventType.DELETE, "d", List.of(b), List.of(TreeEvent.Change.delete("d/a")), 4);
    TreeEvent m = Coalescers.TREE.apply(Coalescers.TREE.apply(e1, e2), e3);
    assertThat(m.type()).isEqualTo(EventType.DELETE);
    assertThat(m.pairs()).containsExactly(b);
    assertThat(m.changes())
        .extracting(TreeEvent.Change::key, TreeEvent.Change::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("d/a", EventType.DELETE),
            org.assertj.core.groups.Tuple.tuple("d/b", EventType.PUT));
    assertThat(m.index()).isEqualTo(4);
  }

  @Test
  void aFailureComesAfterTheBufferedEvents() throws Exception {
    EventChannel<KeyEvent> ch = EventChannel.polling("t", 8, Coalescers.KEY);
    int before = LeakProbe.openChannels();
    ch.offer(put("a", 1));
    ch.fail(new KVException("boom", null));
    assertThat(LeakProbe.openChannels()).isEqualTo(before - 1);
    assertThat(ch.isOpen()).isFalse();
    assertThat(ch.take().index()).isEqualTo(1);
    assertThatThrownBy(ch::take).isInstanceOf(KVException.class).hasMessageContaining("boom");
    assertThat(ch.done()).isCompletedExceptionally();
    assertThat(ch.offer(put("b", 2))).isFalse();
    ch.close();
    assertThat(LeakProbe.openChannels()).isEqualTo(before - 1);
  }

  @Test
  void closingWakesABlockedConsumerAndEndsIteration() throws Exception {
    EventChannel<KeyEvent> ch = EventChannel.polling("t", 8, Coalescers.KEY);
    CountDownLatch ended = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              for (KeyEvent e : ch) {
                assertThat(e).isNotNull();
              }
              ended.countDown();
            });
    t.start();
    ch.offer(put("a", 1));
    Thread.sleep(50);
    ch.close();
    assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(ch::take)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(ch.done()).isCompleted();
  }

  @Test
  void listenersGetEventsInOrderOneAtATimeThenTheError() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Long> seen = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch error = new CountDownLatch(1);
      int[] concurrent = {0};
      int[] maxConcurrent = {0};
      EventChannel<KeyEvent> ch =
          EventChannel.listening(
              "t",
              10_000,
              Coalescers.KEY,
              new WatchListener<>() {
                @Override
                public void onEvent(KeyEvent e) {
                  synchronized (this) {
                    maxConcurrent[0] = Math.max(maxConcurrent[0], ++concurrent[0]);
                  }
                  seen.add(e.index());
                  synchronized (this) {
                    concurrent[0]--;
                  }
                }

                @Override
                public void onError(KVException err) {
                  error.countDown();
                }
              },
              pool);
      for (int i = 1; i <= 5000; i++) {
        ch.offer(put("v", i));
      }
      ch.fail(new KVException("end", null));
      assertThat(error.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).hasSize(5000).isSorted();
      assertThat(maxConcurrent[0]).isEqualTo(1);
      assertThatThrownBy(() -> ch.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class);
    } finally {
      pool.shutdownNow();
    }
  }
}
