package io.libkv.bench;

import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.Subscription;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.memory.MemoryStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watch figures of the memory store, printed: fan-out of one change to 1,000 watchers (target: all
 * reached in < 50 ms) and delivery latency of 100k events to one consumer (target: p99 < 1 ms).
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.WatchBench}.
 */
public final class WatchBench {
  private static final long PACE_NANOS = 20_000;

  private WatchBench() {}

  /** Runs both measurements and prints their figures. */
  public static void main(String[] args) throws Exception {
    fanOut(1000, 50);
    // the first pass warms up the JIT and is not the figure
    latency(100_000, false);
    latency(100_000, true);
  }

  static void fanOut(int watchers, int rounds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Store store = MemoryStore.open("", StoreConfig.DEFAULT)) {
      store.put("fan/key", new byte[] {0});
      AtomicReference<CountDownLatch> latch = new AtomicReference<>(new CountDownLatch(watchers));
      List<Subscription> subs = new ArrayList<>();
      CountDownLatch initial = new CountDownLatch(watchers);
      for (int w = 0; w < watchers; w++) {
        subs.add(
            store.watch(
                "fan/key",
                WatchOptions.DEFAULT,
                e -> {
                  if (e.type() == EventType.CURRENT) {
                    initial.countDown();
                  } else {
                    Objects.requireNonNull(latch.get()).countDown(); // it always holds a latch
                  }
                },
                pool));
      }
      initial.await();
      long[] nanos = new long[rounds];
      for (int r = 0; r < rounds; r++) {
        CountDownLatch l = new CountDownLatch(watchers);
        latch.set(l);
        long t0 = System.nanoTime();
        store.put("fan/key", new byte[] {(byte) r});
        l.await(10, TimeUnit.SECONDS);
        nanos[r] = System.nanoTime() - t0;
      }
      subs.forEach(Subscription::close);
      Arrays.sort(nanos);
      int warm = rounds / 5;
      long[] measured = Arrays.copyOfRange(nanos, 0, nanos.length);
      System.out.printf(
          Locale.ROOT,
          "fan-out to %d watchers: median %.2f ms, max %.2f ms over %d changes (first %d are warm-up, included)%n",
          watchers,
          measured[measured.length / 2] / 1e6,
          measured[measured.length - 1] / 1e6,
          rounds,
          warm);
    } finally {
      pool.shutdownNow();
    }
  }

  static void latency(int events, boolean print) throws Exception {
    try (Store store = MemoryStore.open("", StoreConfig.DEFAULT);
        Watch<KeyEvent> w =
            store.watch("lat/key", WatchOptions.builder().bufferSize(events + 1).build())) {
      w.take();
      long[] lat = new long[events];
      Thread consumer =
          new Thread(
              () -> {
                try {
                  for (int n = 0; n < events; n++) {
                    KeyEvent e = w.take();
                    long sent = ByteBuffer.wrap(e.pair().orElseThrow().value()).getLong();
                    lat[n] = System.nanoTime() - sent;
                  }
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
              });
      consumer.start();
      ByteBuffer b = ByteBuffer.allocate(8);
      // a steady stream of 50k events/s: latency, not the queueing of an unbounded burst
      long next = System.nanoTime();
      for (int n = 0; n < events; n++) {
        while (System.nanoTime() < next) {
          Thread.onSpinWait();
        }
        next += PACE_NANOS;
        b.clear();
        b.putLong(System.nanoTime());
        store.put("lat/key", b.array());
      }
      consumer.join();
      long[] sorted = lat.clone();
      Arrays.sort(sorted);
      if (!print) {
        return;
      }
      System.out.printf(
          Locale.ROOT,
          "delivery latency of %d events at 50k/s: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%n",
          events,
          sorted[events / 2] / 1e3,
          sorted[(int) (events * 0.99)] / 1e3,
          sorted[(int) (events * 0.999)] / 1e3,
          sorted[events - 1] / 1e3);
    }
  }
}
