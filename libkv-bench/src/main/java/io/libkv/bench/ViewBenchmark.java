package io.libkv.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.Subscription;
import io.libkv.TreeEvent;
import io.libkv.View;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.AddWatchMode;

/**
 * Cached views, printed: reads per second from a view of 1,000 keys on 2 threads beside the store's
 * own (linearizable) get, and the delay from another client's put to the view showing it beside a
 * raw client's watch of the same keys (jetcd's watch on etcd, a persistent recursive watch on
 * ZooKeeper) seeing the same put — both observe every put, so the two delays are measured on the
 * same events. Puts are paced (one every 20 ms) and back to back; medians and tails over all puts
 * after a warm-up.
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.ViewBenchmark [etcd|zk|both]}.
 */
public final class ViewBenchmark {
  private static final int KEYS = 1_000;
  private static final byte[] VALUE =
      "a value of some hundred bytes, like a small piece of configuration or an address:port"
          .getBytes(UTF_8);

  private ViewBenchmark() {}

  /** Argument: which backend (default both). */
  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "both";
    if (!which.equals("zk")) {
      try (EtcdServer server = EtcdServer.start()) {
        String ep = server.endpoint();
        try (Client raw = Client.builder().endpoints("http://" + ep).build()) {
          run(
              "etcd",
              () -> LibKV.open("etcd://" + ep + "/view-bench"),
              seen -> {
                Watch.Watcher w =
                    raw.getWatchClient()
                        .watch(
                            ByteSequence.from("view-bench/dir/", UTF_8),
                            WatchOption.builder().isPrefix(true).build(),
                            r -> r.getEvents().forEach(e -> seen.run()));
                return w;
              });
        }
      }
    }
    if (!which.equals("etcd")) {
      try (ZooKeeperServer server = ZooKeeperServer.start()) {
        String cs = server.connectString();
        CuratorFramework curator =
            CuratorFrameworkFactory.newClient(cs, 10_000, 10_000, new RetryOneTime(100));
        curator.start();
        curator.blockUntilConnected();
        try {
          run(
              "zookeeper",
              () -> LibKV.open("zk://" + cs + "/view-bench"),
              seen -> {
                org.apache.zookeeper.Watcher w =
                    e -> {
                      if (e.getType()
                          == org.apache.zookeeper.Watcher.Event.EventType.NodeDataChanged) {
                        seen.run();
                      }
                    };
                curator
                    .getZookeeperClient()
                    .getZooKeeper()
                    .addWatch("/view-bench/dir", w, AddWatchMode.PERSISTENT_RECURSIVE);
                return () -> {
                  try {
                    curator
                        .getZookeeperClient()
                        .getZooKeeper()
                        .removeAllWatches(
                            "/view-bench/dir", org.apache.zookeeper.Watcher.WatcherType.Any, true);
                  } catch (Exception e) {
                    // the server goes next
                  }
                };
              });
        } finally {
          curator.close();
        }
      }
    }
  }

  interface Opener {
    Store open();
  }

  interface RawWatch {
    AutoCloseable start(Runnable seen) throws Exception;
  }

  private static void run(String backend, Opener opener, RawWatch rawWatch) throws Exception {
    try (Store reader = opener.open();
        Store writer = opener.open()) {
      Map<String, byte[]> fill = new HashMap<>();
      for (int i = 0; i < KEYS; i++) {
        fill.put("dir/k" + i, VALUE);
      }
      writer.putAll(fill);
      try (View view = reader.view("dir")) {
        reads(backend, reader, view);
        delays(backend, writer, view, rawWatch, 20, "a put every 20 ms");
        delays(backend, writer, view, rawWatch, 0, "puts back to back");
      }
    }
  }

  private static void reads(String backend, Store store, View view) throws Exception {
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "dir/k" + i;
    }
    // warm-up, then 3 measured rounds of 3 s each, view and store interleaved
    readRate(view, keys, 2, 5_000);
    storeGetRate(store, keys, 2_000);
    double[] viewRates = new double[3];
    double[] storeRates = new double[3];
    for (int r = 0; r < 3; r++) {
      viewRates[r] = readRate(view, keys, 2, 3_000);
      storeRates[r] = storeGetRate(store, keys, 3_000);
    }
    double v = Timing.median(viewRates);
    double s = Timing.median(storeRates);
    System.out.printf(
        Locale.ROOT,
        "%s: view gets, 2 threads: %,.0f/s (rounds %s); store.get, 2 threads: %,.0f/s (rounds %s); ratio %.0fx%n",
        backend,
        v,
        fmt(viewRates),
        s,
        fmt(storeRates),
        v / s);
  }

  private static double readRate(View view, String[] keys, int threads, long millis)
      throws Exception {
    AtomicLong total = new AtomicLong();
    long end = System.nanoTime() + millis * 1_000_000;
    Thread[] ts = new Thread[threads];
    long t0 = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      ts[t] =
          new Thread(
              () -> {
                long n = 0;
                int i = seed * 7;
                long sink = 0;
                while ((n & 1023) != 0 || System.nanoTime() < end) {
                  KVPair p = view.get(keys[i]);
                  sink += p.lastIndex();
                  i = (i + 13) % keys.length;
                  n++;
                }
                total.addAndGet(n + (sink == 42 ? 1 : 0));
              });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    return total.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static double storeGetRate(Store store, String[] keys, long millis) throws Exception {
    AtomicLong total = new AtomicLong();
    long end = System.nanoTime() + millis * 1_000_000;
    Thread[] ts = new Thread[2];
    long t0 = System.nanoTime();
    for (int t = 0; t < 2; t++) {
      int seed = t;
      ts[t] =
          new Thread(
              () -> {
                long n = 0;
                int i = seed * 7;
                while (System.nanoTime() < end) {
                  store.get(keys[i]);
                  i = (i + 13) % keys.length;
                  n++;
                }
                total.addAndGet(n);
              });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    return total.get() / ((System.nanoTime() - t0) / 1e9);
  }

  /** One put's timing: when it was sent, when the view and the raw watch saw it. */
  private static final class Sample {
    final long sent = System.nanoTime();
    volatile long view;
    volatile long raw;
    final CountDownLatch both = new CountDownLatch(2);
  }

  private static void delays(
      String backend, Store writer, View view, RawWatch rawWatch, long paceMillis, String label)
      throws Exception {
    String key = "dir/probe";
    writer.put(key, utf8("0"));
    Map<String, Sample> samples = new ConcurrentHashMap<>();
    AtomicLong rawSeq = new AtomicLong();
    // the raw watch says only that something changed: the n-th notification is the n-th put
    Sample[] order = new Sample[4_000];
    Subscription sub =
        view.onChange(
            (TreeEvent e) -> {
              long now = System.nanoTime();
              for (TreeEvent.Change c : e.changes()) {
                if (c.key().equals(key)) {
                  Sample s = samples.get(c.pair().map(KVPair::valueAsString).orElse(""));
                  if (s != null && s.view == 0) {
                    s.view = now;
                    s.both.countDown();
                  }
                }
              }
            },
            Runnable::run);
    AutoCloseable raw =
        rawWatch.start(
            () -> {
              long now = System.nanoTime();
              long n = rawSeq.getAndIncrement();
              if (n < order.length && order[(int) n] != null && order[(int) n].raw == 0) {
                order[(int) n].raw = now;
                order[(int) n].both.countDown();
              }
            });
    try {
      int warm = 500;
      int measured = 2_000;
      long[] viewDelays = new long[measured];
      long[] rawDelays = new long[measured];
      // the raw watch may start a little after its call returns: wait until it sees puts
      for (int n = 0; rawSeq.get() == 0; n++) {
        if (n > 500) {
          throw new IllegalStateException("the raw watch saw nothing within 10 s");
        }
        writer.put(key, utf8("sync"));
        Thread.sleep(20);
      }
      Thread.sleep(500);
      rawSeq.set(0);
      for (int i = 0; i < warm + measured; i++) {
        String v = Integer.toString(i + 1);
        Sample s = new Sample();
        samples.put(v, s);
        order[i] = s;
        writer.put(key, utf8(v));
        if (paceMillis > 0) {
          Thread.sleep(paceMillis);
        }
        if (!s.both.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("put " + v + " not seen by both within 10 s");
        }
        if (i >= warm) {
          viewDelays[i - warm] = s.view - s.sent;
          rawDelays[i - warm] = s.raw - s.sent;
        }
        samples.remove(v);
      }
      Arrays.sort(viewDelays);
      Arrays.sort(rawDelays);
      System.out.printf(
          Locale.ROOT,
          "%s, %s: put to view showing it p50 %.2f ms p99 %.2f ms; put to raw watch p50 %.2f ms p99 %.2f ms (%d puts after %d warm-up)%n",
          backend,
          label,
          ms(viewDelays, 0.50),
          ms(viewDelays, 0.99),
          ms(rawDelays, 0.50),
          ms(rawDelays, 0.99),
          measured,
          warm);
    } finally {
      sub.close();
      raw.close();
    }
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
  }

  private static String fmt(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double d : v) {
      b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", d));
    }
    return b.toString();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }
}
