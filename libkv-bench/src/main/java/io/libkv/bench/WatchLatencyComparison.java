package io.libkv.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.WatchOptions;
import io.libkv.testkit.servers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ObjLongConsumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * Watch delivery delay as a user sees it: a key put every 20 ms, then back to back, while a watch
 * opened before reports each value; the delay runs from the start of the put to the value's arrival
 * in the consumer. libkv's watch (a thread taking events, and a listener), the raw client on the
 * same server (jetcd's {@code Watch}; Curator's persistent watch plus a background {@code
 * getData}), and Go's docker/libkv (etcd's v2 API, and etcd's own Go client on v3) side by side, in
 * interleaved rounds after a warm-up. ZooKeeper runs in a JVM of its own, so that the server's
 * garbage and threads do not fall on the clients measured here. A watch may skip values when puts
 * come back to back (Go libkv's re-reads the key after each event); the figures are over the values
 * delivered, and the table says how many were.
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.WatchLatencyComparison GO_ETCD|- GO_ZK|- [ROUNDS] [SECONDS]}, the Go programs
 * built by {@code libkv-bench/go/build.sh golibkv-etcd} and {@code golibkv-zk} ({@code -}: none).
 */
public final class WatchLatencyComparison {
  private static final int MAX_PUTS = 1 << 20;

  private WatchLatencyComparison() {}

  /** What is watched and written: one side of the comparison. */
  private interface Target {
    /**
     * Opens a watch handing each changed value to {@code values}, with when the library had it from
     * the server (libkv's {@code receivedNanos}; 0 for the other sides); closing it ends the watch.
     */
    AutoCloseable watch(ObjLongConsumer<byte[]> values) throws Exception;

    void put(byte[] value) throws Exception;
  }

  /**
   * p50 and p99 of the delays in ms, values delivered, puts made; for libkv, p50 and p99 of the
   * part spent in the library (from the backend's hand-over of the server's event to the consumer),
   * else NaN.
   */
  private record Result(
      double p50, double p99, int delivered, int puts, double ownP50, double ownP99) {}

  /** A side: a Java target, or a Go program's mode. */
  private record Side(String name, @Nullable Target target, String @Nullable [] goCommand) {
    Result run(int cadenceMs, int seconds) throws Exception {
      if (target != null) {
        return measure(target, cadenceMs, seconds);
      }
      String[] cmd = Objects.requireNonNull(goCommand, "a Go side's command");
      cmd = Arrays.copyOf(cmd, cmd.length);
      cmd[2] = cmd[2] + cadenceMs;
      cmd[3] = Integer.toString(seconds);
      String[] w = Timing.goOutput(cmd);
      int n = w.length;
      return new Result(
          Double.parseDouble(w[n - 4]),
          Double.parseDouble(w[n - 3]),
          Integer.parseInt(w[n - 2]),
          Integer.parseInt(w[n - 1]),
          Double.NaN,
          Double.NaN);
    }
  }

  /** Arguments: the golibkv-etcd and golibkv-zk binaries or "-", rounds (3), seconds (10). */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: WatchLatencyComparison GO_ETCD|- GO_ZK|- [ROUNDS] [SECONDS]");
      System.exit(2);
    }
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    ExecutorService listenerThread = Executors.newSingleThreadExecutor();
    ZooKeeperJvm zkJvm = ZooKeeperJvm.start();
    try (EtcdServer etcd = EtcdServer.start(new EtcdServer.Options().enableV2());
        Store etcdStore = LibKV.open("etcd://" + etcd.endpoint() + "/bench");
        Client jetcd = Client.builder().endpoints("http://" + etcd.endpoint()).build()) {
      String zk = zkJvm.connectString();
      try (Store zkStore = LibKV.open("zk://" + zk + "/bench");
          CuratorFramework curator =
              CuratorFrameworkFactory.newClient(zk, 10_000, 10_000, new RetryOneTime(100))) {
        curator.start();
        curator.blockUntilConnected();
        List<Side> sides = new ArrayList<>();
        sides.add(new Side("etcd libkv take", taking(etcdStore, "watch-take"), null));
        sides.add(
            new Side(
                "etcd libkv listener", listening(etcdStore, "watch-listen", listenerThread), null));
        sides.add(new Side("etcd jetcd", jetcd(jetcd, "raw/watch"), null));
        if (!args[0].equals("-")) {
          sides.add(new Side("etcd Go libkv (v2)", null, go(args[0], etcd.endpoint(), "watch")));
          sides.add(new Side("etcd Go clientv3", null, go(args[0], etcd.endpoint(), "v3watch")));
        }
        sides.add(new Side("zk libkv take", taking(zkStore, "watch-take"), null));
        sides.add(
            new Side(
                "zk libkv listener", listening(zkStore, "watch-listen", listenerThread), null));
        sides.add(new Side("zk Curator", curator(curator, "/raw/watch"), null));
        if (!args[1].equals("-")) {
          sides.add(new Side("zk Go libkv", null, go(args[1], zk, "watch")));
        }
        // the JIT needs some 10 s of calls before a round means anything: each of the four Java
        // sides runs 3 s first
        for (Side s : sides) {
          if (s.target != null) {
            s.run(0, 3);
          }
        }
        Map<String, List<Result>> results = new LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++) {
          for (int cadence : new int[] {20, 0}) {
            for (Side s : sides) {
              Result res = s.run(cadence, seconds);
              String name = s.name + (cadence == 0 ? ", back to back" : ", every 20 ms");
              results.computeIfAbsent(name, k -> new ArrayList<>()).add(res);
              System.out.printf(
                  "round %d  %-40s p50 %7.3f ms  p99 %7.3f ms  (%d of %d delivered)%s%n",
                  r,
                  name,
                  res.p50,
                  res.p99,
                  res.delivered,
                  res.puts,
                  Double.isNaN(res.ownP50)
                      ? ""
                      : String.format(
                          "  in libkv: p50 %.3f ms, p99 %.3f ms", res.ownP50, res.ownP99));
            }
          }
        }
        System.out.println();
        System.out.printf(
            "%-40s %9s %9s %13s %13s  (medians over %d rounds of %d s)%n",
            "", "p50 ms", "p99 ms", "in libkv p50", "in libkv p99", rounds, seconds);
        for (Map.Entry<String, List<Result>> e : results.entrySet()) {
          System.out.printf(
              "%-40s %9.3f %9.3f %13.3f %13.3f%n",
              e.getKey(),
              Timing.median(e.getValue().stream().map(Result::p50).toList()),
              Timing.median(e.getValue().stream().map(Result::p99).toList()),
              Timing.median(e.getValue().stream().map(Result::ownP50).toList()),
              Timing.median(e.getValue().stream().map(Result::ownP99).toList()));
        }
      }
    } finally {
      listenerThread.shutdownNow();
      zkJvm.close();
    }
  }

  private static String[] go(String binary, String endpoint, String mode) {
    return new String[] {binary, endpoint, mode, ""};
  }

  /** libkv: a thread taking events from the store's watch, as {@code for (e : watch)} does. */
  private static Target taking(Store store, String key) {
    return new Target() {
      @Override
      public AutoCloseable watch(ObjLongConsumer<byte[]> values) {
        store.put(key, value(0));
        io.libkv.Watch<KeyEvent> w = store.watch(key);
        Thread t =
            new Thread(
                () -> {
                  for (KeyEvent e : w) {
                    if (e.type() == EventType.PUT) {
                      e.pair().ifPresent(p -> values.accept(p.value(), e.receivedNanos()));
                    }
                  }
                },
                "taker");
        t.start();
        return () -> {
          w.close();
          t.join();
        };
      }

      @Override
      public void put(byte[] value) {
        store.put(key, value);
      }
    };
  }

  /** libkv: a listener on a single-thread executor. */
  private static Target listening(Store store, String key, ExecutorService executor) {
    return new Target() {
      @Override
      public AutoCloseable watch(ObjLongConsumer<byte[]> values) {
        store.put(key, value(0));
        return store.watch(
            key,
            WatchOptions.DEFAULT,
            e -> {
              if (e.type() == EventType.PUT) {
                e.pair().ifPresent(p -> values.accept(p.value(), e.receivedNanos()));
              }
            },
            executor);
      }

      @Override
      public void put(byte[] value) {
        store.put(key, value);
      }
    };
  }

  /** Raw jetcd: its {@code Watch} on the key, and its KV client's put. */
  private static Target jetcd(Client client, String key) {
    ByteSequence k = ByteSequence.from(key, StandardCharsets.UTF_8);
    return new Target() {
      @Override
      public AutoCloseable watch(ObjLongConsumer<byte[]> values) {
        return client
            .getWatchClient()
            .watch(
                k,
                Watch.listener(
                    r ->
                        r.getEvents()
                            .forEach(
                                e -> values.accept(e.getKeyValue().getValue().getBytes(), 0))));
      }

      @Override
      public void put(byte[] value) throws Exception {
        client.getKVClient().put(k, ByteSequence.from(value)).get();
      }
    };
  }

  /**
   * Raw Curator: a persistent watch on the node and, on each data change, a background {@code
   * getData} (a ZooKeeper event carries no data).
   */
  private static Target curator(CuratorFramework c, String path) {
    return new Target() {
      @Override
      public AutoCloseable watch(ObjLongConsumer<byte[]> values) throws Exception {
        if (c.checkExists().forPath(path) == null) {
          c.create().creatingParentsIfNeeded().forPath(path, value(0));
        }
        CuratorWatcher w =
            (WatchedEvent e) -> {
              if (e.getType() == Watcher.Event.EventType.NodeDataChanged) {
                c.getData()
                    .inBackground((client, ev) -> values.accept(ev.getData(), 0))
                    .forPath(path);
              }
            };
        c.watchers().add().withMode(AddWatchMode.PERSISTENT).usingWatcher(w).forPath(path);
        return () -> c.watchers().remove(w).forPath(path);
      }

      @Override
      public void put(byte[] value) throws Exception {
        c.setData().forPath(path, value);
      }
    };
  }

  /** The value of put number {@code seq}: the number, then padding to 100 bytes. */
  static byte[] value(int seq) {
    String s = seq + ":";
    return (s + "v".repeat(100 - s.length())).getBytes(StandardCharsets.UTF_8);
  }

  /** The put number a value carries, or -1. */
  static int seq(byte[] v) {
    int n = 0;
    for (byte b : v) {
      if (b == ':') {
        return n;
      }
      if (b < '0' || b > '9') {
        return -1;
      }
      n = n * 10 + (b - '0');
    }
    return -1;
  }

  /** Puts numbered values for {@code seconds}, one every {@code cadenceMs} (0: back to back). */
  static Result measure(Target t, int cadenceMs, int seconds) throws Exception {
    SeqTimes starts = new SeqTimes();
    SeqTimes arrivals = new SeqTimes();
    SeqTimes received = new SeqTimes();
    int puts = 0;
    AutoCloseable watch =
        t.watch(
            (v, receivedNanos) -> {
              long at = System.nanoTime();
              int seq = seq(v);
              if (seq > 0 && seq < MAX_PUTS && arrivals.setFirst(seq, at)) {
                received.setFirst(seq, receivedNanos);
              }
            });
    try {
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      long next = System.nanoTime();
      for (int seq = 1; seq < MAX_PUTS && System.nanoTime() < end; seq++) {
        // room for the watch's records first: it may see the put before put() returns
        arrivals.make(seq);
        received.make(seq);
        starts.make(seq);
        starts.setFirst(seq, System.nanoTime());
        t.put(value(seq));
        puts++;
        if (cadenceMs > 0) {
          next += cadenceMs * 1_000_000L;
          long wait;
          while ((wait = next - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
        }
      }
      Thread.sleep(500); // the last events' time to arrive
    } finally {
      watch.close();
    }
    double[] d = new double[puts];
    double[] own = new double[puts];
    int n = 0;
    int m = 0;
    for (int seq = 1; seq <= puts; seq++) {
      long a = arrivals.get(seq);
      if (a != 0) {
        d[n++] = (a - starts.get(seq)) / 1e6;
        if (received.get(seq) != 0) {
          own[m++] = (a - received.get(seq)) / 1e6;
        }
      }
    }
    if (n == 0) {
      throw new IllegalStateException("no watch event arrived");
    }
    return new Result(
        percentile(d, n, 0.50),
        percentile(d, n, 0.99),
        n,
        puts,
        m == 0 ? Double.NaN : percentile(own, m, 0.50),
        m == 0 ? Double.NaN : percentile(own, m, 0.99));
  }

  /**
   * A time per put number, in chunks made as puts are made: three arrays for the most puts a run
   * can make would be 24 MB per run, allocated outside the young generation, and the collections
   * they set off would land on the deliveries measured.
   */
  private static final class SeqTimes {
    private static final int CHUNK = 4096;
    private final AtomicReferenceArray<AtomicLongArray> chunks =
        new AtomicReferenceArray<>(MAX_PUTS / CHUNK);

    /** Makes room for put number {@code seq}; from the putting thread only. */
    void make(int seq) {
      if (chunks.get(seq / CHUNK) == null) {
        chunks.set(seq / CHUNK, new AtomicLongArray(CHUNK));
      }
    }

    /** Records {@code nanos} for {@code seq} unless a time is there; false if one was. */
    boolean setFirst(int seq, long nanos) {
      AtomicLongArray c = chunks.get(seq / CHUNK);
      return c != null && c.compareAndSet(seq % CHUNK, 0, nanos);
    }

    /** The time of {@code seq}, or 0. */
    long get(int seq) {
      AtomicLongArray c = chunks.get(seq / CHUNK);
      return c == null ? 0 : c.get(seq % CHUNK);
    }
  }

  /** The {@code p} quantile of the first {@code n} values of {@code v} (sorts them). */
  private static double percentile(double[] v, int n, double p) {
    Arrays.sort(v, 0, n);
    return v[(int) (p * (n - 1))];
  }
}
