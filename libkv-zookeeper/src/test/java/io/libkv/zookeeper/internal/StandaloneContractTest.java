package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on a standalone ZooKeeper server. */
class StandaloneContractTest extends ZooKeeperContractTest {
  private static ZooKeeperServer server;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  String connectString() {
    return server.connectString();
  }

  /**
   * A change event read after the node was deleted is left to the node's own deletion event, which
   * has the exact zxid: taking the index from the parent instead borrowed that of a later write (a
   * create below the same directory), and that write's own event then came out at the same index.
   * Seen in the kit's burst test on a loaded machine; here many bursts and a busy CPU make the
   * event reader lag behind the writer.
   */
  @Test
  void treeEventIndexesRiseStrictlyThroughBurstsOfPutsAndDeletesWhileTheReaderLags()
      throws Exception {
    ZooKeeperStore writer = another();
    java.util.concurrent.atomic.AtomicBoolean busy =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> burners = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread th =
          new Thread(
              () -> {
                long x = 0;
                while (busy.get()) {
                  x += System.nanoTime() % 7;
                }
                if (x == 42) {
                  System.out.print("");
                }
              });
      th.setDaemon(true);
      th.start();
      burners.add(th);
    }
    try {
      for (int round = 0; round < 6; round++) {
        String dir = "burst" + round;
        try (Watch<TreeEvent> w =
            store.watchTree(dir, WatchOptions.builder().bufferSize(4).build())) {
          assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
          for (int i = 0; i < 300; i++) {
            String k = dir + "/k" + i % 10;
            if (i % 7 == 3) {
              writer.delete(k);
            } else {
              writer.put(k, b("v" + i));
            }
          }
          writer.put(dir + "/last", b("x"));
          List<KVPair> expected = synced(store).list(dir);
          List<TreeEvent> events = new ArrayList<>();
          long deadline = System.nanoTime() + 20_000_000_000L;
          while (events.isEmpty() || !events.get(events.size() - 1).pairs().equals(expected)) {
            assertThat(System.nanoTime()).as("final state within 20 s").isLessThan(deadline);
            w.poll(Duration.ofSeconds(1)).ifPresent(events::add);
          }
          for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).index())
                .as(
                    "round %d, event %d of %d: %s after %s",
                    round, i, events.size(), events.get(i), events.get(i - 1))
                .isGreaterThan(events.get(i - 1).index());
          }
        }
      }
    } finally {
      busy.set(false);
      for (Thread th : burners) {
        th.join();
      }
    }
  }

  /**
   * A watch may coalesce the changes it falls behind on, but it must not starve: each event is
   * turned into a change by a read, and under back-to-back writes that read always shows a write
   * newer than the events in hand. Once a drain held such reads back until their own event came and
   * then read again, and a watch of a key written back to back delivered 31 of 2,053 values.
   */
  @Test
  void keyWatchKeepsDeliveringWhileAnotherClientWritesBackToBack() throws Exception {
    ZooKeeperStore writer = another();
    try (Watch<KeyEvent> w = store.watch("steady")) {
      assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
      // written by another thread while this one takes events, so no buffer fills and coalesces
      CompletableFuture<Integer> written =
          writeForTwoSeconds(n -> writer.put("steady", b("v" + n)));
      int delivered = 0;
      long deadline = System.nanoTime() + 15_000_000_000L;
      String value = "";
      while (!written.isDone() || !value.equals("v" + written.join())) {
        assertThat(System.nanoTime()).as("the last value within 15 s").isLessThan(deadline);
        Optional<KeyEvent> e = w.poll(Duration.ofMillis(100));
        if (e.isPresent()) {
          delivered++;
          value = new String(e.get().pair().orElseThrow().value(), UTF_8);
        }
      }
      int puts = written.join();
      assertThat(delivered)
          .as("values delivered of %d written back to back", puts)
          .isGreaterThanOrEqualTo(puts / 5);
    }
  }

  /**
   * A multi-op stays one tree event while a key it writes is also written back to back: every image
   * must show both keys of the newest transaction in it, or a later single put of {@code a}. Once a
   * batch holding both keys' events published {@code b} alone, because {@code a}'s read already
   * showed the next write and that change was held back for its own event.
   */
  @Test
  void treeWatchKeepsMultiOpsWholeWhileOneOfTheirKeysIsWrittenBackToBack() throws Exception {
    // busy cores slow the watch thread and the server down, as a loaded CI machine did when a
    // multi-op was seen in part through a change held back for another batch
    java.util.concurrent.atomic.AtomicBoolean busy =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> burners = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread th =
          new Thread(
              () -> {
                long x = 0;
                while (busy.get()) {
                  x += System.nanoTime() % 7;
                }
                if (x == 42) {
                  System.out.print("");
                }
              });
      th.setDaemon(true);
      th.start();
      burners.add(th);
    }
    try {
      for (int round = 0; round < 6; round++) {
        multiOpsStayWholeUnder("whole" + round);
      }
    } finally {
      busy.set(false);
      for (Thread th : burners) {
        th.join();
      }
    }
  }

  private void multiOpsStayWholeUnder(String dir) throws Exception {
    ZooKeeperStore writer = another();
    try (Watch<TreeEvent> w = store.watchTree(dir)) {
      assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
      CompletableFuture<Integer> written =
          writeForTwoSeconds(
              n -> {
                if (n % 3 == 1) {
                  writer.putAll(java.util.Map.of(dir + "/a", b("t" + n), dir + "/b", b("t" + n)));
                } else {
                  writer.put(dir + "/a", b("p" + n));
                }
              });
      int images = 0;
      int last = -1;
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (!written.isDone() || last != written.join()) {
        assertThat(System.nanoTime()).as("the last write within 15 s").isLessThan(deadline);
        Optional<TreeEvent> e = w.poll(Duration.ofMillis(100));
        if (e.isEmpty()) {
          continue;
        }
        images++;
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (KVPair p : e.get().pairs()) {
          values.put(p.key(), new String(p.value(), UTF_8));
        }
        String a = values.get(dir + "/a");
        String bv = values.get(dir + "/b");
        assertThat(a).as("image %d: %s", images, values).isNotNull();
        assertThat(bv).as("image %d: %s", images, values).isNotNull();
        int na = Integer.parseInt(a.substring(1));
        int nb = Integer.parseInt(bv.substring(1));
        if (a.startsWith("t")) {
          assertThat(na)
              .as("image %d: a transaction seen in part: %s", images, values)
              .isEqualTo(nb);
        } else {
          assertThat(na)
              .as("image %d: a transaction seen in part: %s", images, values)
              .isGreaterThan(nb);
        }
        last = na;
      }
      assertThat(images).as("images of %d writes", written.join()).isGreaterThan(1);
    }
  }

  /** Calls {@code write} with 1, 2, ... on another thread for 2 s; completes with the last. */
  private static CompletableFuture<Integer> writeForTwoSeconds(IntConsumer write) {
    return CompletableFuture.supplyAsync(
        () -> {
          int n = 0;
          long end = System.nanoTime() + 2_000_000_000L;
          while (System.nanoTime() < end) {
            write.accept(++n);
          }
          return n;
        });
  }

  /**
   * A listing is proved from the newest zxid its session has seen; a retry, which sends all its
   * reads at once, proves the same way and tells a change it cannot place. Standalone: one server
   * applies another client's write before acknowledging it, so the retry's reads see it.
   */
  @Test
  void listingIsProvedFromTheZxidItsSessionSaw() throws Exception {
    store.put("d/a", "1".getBytes(UTF_8));
    store.put("d/b/c", "2".getBytes(UTF_8));
    ZooKeeper zk = store.currentZooKeeper();
    assertThat(ZxidZooKeeper.lastZxid(zk))
        .as("zxid seen after a write")
        .isGreaterThanOrEqualTo(store.get("d/b/c").lastIndex());
    Listing first = store.listings().listing(zk, "d", true, null);
    assertThat(first.torn).isFalse();
    assertThat(first.pairs.keySet()).containsExactly("d/a", "d/b/c");
    Listing retry = store.listings().listing(zk, "d", true, first);
    assertThat(retry.torn).as("a retry with nothing changed").isFalse();
    assertThat(retry.pairs).isEqualTo(first.pairs);

    // a write this session has not seen: the retry's reads show a pzxid past the zxid it starts
    // from
    another().put("d/b/e", "3".getBytes(UTF_8));
    assertThat(store.listings().listing(zk, "d", true, first).torn)
        .as("a retry over a change it cannot place")
        .isTrue();
    Listing fresh = store.listings().listing(zk, "d", true, null);
    assertThat(fresh.torn).as("a walk that starts after the change").isFalse();
    assertThat(fresh.pairs.keySet()).containsExactly("d/a", "d/b/c", "d/b/e");
    assertThat(store.list("d")).hasSize(3);
  }
}
