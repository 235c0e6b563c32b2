package io.libkv.bench;

import static io.libkv.bench.Contention.MAX_ATTEMPTS;
import static io.libkv.bench.Contention.bytes;
import static io.libkv.bench.Contention.value;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.bench.Contention.Attempts;
import io.libkv.bench.Contention.Increment;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Four threads incrementing one decimal counter on one ZooKeeper server, each increment a loop of
 * "read, then compare-and-set, again on a conflict", five ways: (a) {@code store.update}; (b)
 * libkv's {@code get} then {@code atomicPut} until it succeeds; (c) the ZooKeeper client doing what
 * (b) needs on the wire, {@code getData} then {@code setData} at the version read; (c') the
 * ZooKeeper client making exactly the calls of (b) ({@code get}'s {@code getData}; {@code
 * atomicPut}'s own {@code getData}, a compare of the mzxids and {@code setData} at that second
 * read's version), so that (b) against (c') is libkv's own cost and (c') against (c) its compare
 * path's extra read; (d) Go's docker/libkv, {@code Get} then {@code AtomicPut} from 4 goroutines
 * (whose {@code AtomicPut} is one {@code setData} at the version {@code Get} read). Each way has
 * its own key, put to 0 before each run. The raw sides use the bare {@code ZooKeeper} handle of a
 * Curator client, the handle libkv calls too.
 *
 * <p>Interleaved rounds after a JVM warm-up; per way, successes per second (median and range over
 * rounds), attempts and ZooKeeper requests per success (requests counted by the server's {@code
 * mntr}; the Go side's include its connect, its put of 0 and its close, a handful per run), and the
 * latency of one attempt (p50, p99: medians over rounds). After each run the counter must equal the
 * successes: a lost update is printed and makes the program exit with status 1. ZooKeeper runs in a
 * JVM of its own, so that the server's garbage and threads do not fall on the Java clients (the Go
 * side has its own process anyway); it stops when this program ends.
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.ZooKeeperCounterContention GO_ZK|- [rounds, default 3] [seconds per run, default
 * 5]}, {@code GO_ZK} built by {@code libkv-bench/go/build.sh golibkv-zk} ({@code -}: no Go side).
 */
public final class ZooKeeperCounterContention {
  private static final int THREADS = 4;

  private static final Pattern PACKETS_RECEIVED = Pattern.compile("zk_packets_received\\s+(\\d+)");

  private ZooKeeperCounterContention() {}

  /** One side of the comparison: a run of {@code seconds}, its counter checked. */
  @FunctionalInterface
  private interface Side {
    Run run(int seconds) throws Exception;
  }

  /** A run's figures, and the counter read after it. */
  private record Run(
      double perSecond,
      double attemptsPerSuccess,
      double requestsPerSuccess,
      long gaveUp,
      double p50Ms,
      double p99Ms,
      long successes,
      long counter) {}

  /** Runs it; prints each run, then the medians; exits with 1 after a lost update. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: ZooKeeperCounterContention GO_ZK|- [ROUNDS] [SECONDS]");
      System.exit(2);
    }
    String go = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    List<String> lost = new ArrayList<>();
    ZooKeeperJvm zkJvm = ZooKeeperJvm.start();
    try {
      String connect = zkJvm.connectString();
      try (Store store = LibKV.open("zk://" + connect + "/bench");
          CuratorFramework curator =
              CuratorFrameworkFactory.newClient(connect, 10_000, 10_000, new RetryOneTime(100))) {
        curator.start();
        curator.blockUntilConnected();
        // taken once: what libkv fetches from its Curator client on each call is not the raw side's
        ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
        Map<String, Side> javaSides = new LinkedHashMap<>();
        javaSides.put(
            "(a) libkv update",
            javaSide(
                curator, connect, "/bench/update", a -> Contention.update(store, "update", a)));
        javaSides.put(
            "(b) libkv get+atomicPut",
            javaSide(
                curator, connect, "/bench/cas", a -> Contention.getThenAtomicPut(store, "cas", a)));
        javaSides.put(
            "(c) zk getData+setData",
            javaSide(curator, connect, "/raw/cas", a -> rawGetThenSet(zk, "/raw/cas", a)));
        javaSides.put(
            "(c') zk calls of (b)",
            javaSide(curator, connect, "/raw/as-libkv", a -> rawAsLibkv(zk, "/raw/as-libkv", a)));
        Map<String, Side> sides = new LinkedHashMap<>(javaSides);
        if (!go.equals("-")) {
          sides.put("(d) Go libkv Get+AtomicPut", goSide(go, curator, connect));
        }
        // the JIT needs some 10 s of calls before a round means anything; the Go side needs none
        long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < warmUntil) {
          for (Map.Entry<String, Side> w : javaSides.entrySet()) {
            check(w.getKey() + " (warm-up)", w.getValue().run(1), lost);
          }
        }
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
          for (Map.Entry<String, Side> w : sides.entrySet()) {
            Run r = w.getValue().run(seconds);
            check(w.getKey() + " round " + round, r, lost);
            runs.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(r);
            System.out.printf(
                Locale.ROOT,
                "round %d %-27s %7.0f successes/s, %.2f attempts and %.2f ZooKeeper requests per"
                    + " success, attempt p50 %.2f ms p99 %.2f ms, %d gave up%n",
                round,
                w.getKey(),
                r.perSecond,
                r.attemptsPerSuccess,
                r.requestsPerSuccess,
                r.p50Ms,
                r.p99Ms,
                r.gaveUp);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%n%d threads, one key each, %d rounds of %d s; medians (range of successes/s):%n",
            THREADS,
            rounds,
            seconds);
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
          List<Run> l = e.getValue();
          double[] rate = l.stream().mapToDouble(Run::perSecond).toArray();
          System.out.printf(
              Locale.ROOT,
              "%-27s %7.0f/s (%.0f-%.0f), %.2f attempts and %.2f requests per success,"
                  + " attempt p50 %.2f ms p99 %.2f ms, %d gave up%n",
              e.getKey(),
              Timing.median(rate),
              Arrays.stream(rate).min().orElse(0),
              Arrays.stream(rate).max().orElse(0),
              Timing.median(l.stream().mapToDouble(Run::attemptsPerSuccess).toArray()),
              Timing.median(l.stream().mapToDouble(Run::requestsPerSuccess).toArray()),
              Timing.median(l.stream().mapToDouble(Run::p50Ms).toArray()),
              Timing.median(l.stream().mapToDouble(Run::p99Ms).toArray()),
              l.stream().mapToLong(Run::gaveUp).sum());
        }
      }
    } finally {
      zkJvm.close();
    }
    if (!lost.isEmpty()) {
      System.out.println();
      System.out.println("LOST UPDATES (a bug): " + String.join("; ", lost));
      System.exit(1);
    }
  }

  /** Records a run whose counter is not its number of successes. */
  private static void check(String what, Run r, List<String> lost) {
    if (r.counter != r.successes) {
      String m = what + ": counter " + r.counter + " after " + r.successes + " successes";
      System.out.println("LOST UPDATE: " + m);
      lost.add(m);
    }
  }

  /** A Java side: its key's node put to 0, {@link #THREADS} threads running {@code inc}. */
  private static Side javaSide(
      CuratorFramework curator, String connect, String path, Increment inc) {
    return seconds -> {
      curator.create().orSetData().creatingParentsIfNeeded().forPath(path, bytes(0));
      long requests0 = packetsReceived(connect);
      Contention.Workers w = Contention.run(THREADS, seconds, inc);
      long requests = packetsReceived(connect) - requests0;
      long s = w.successes();
      long[] nanos = w.nanos();
      Arrays.sort(nanos);
      return new Run(
          w.perSecond(),
          w.attemptsPerSuccess(),
          requests / (double) s,
          w.gaveUp(),
          percentile(nanos, 0.50) / 1e6,
          percentile(nanos, 0.99) / 1e6,
          s,
          value(curator.getData().forPath(path)));
    };
  }

  /**
   * (d): the golibkv-zk program's cas mode, which puts its key to 0 itself and prints "cas
   * SUCCESSES_PER_SECOND ATTEMPTS_PER_SUCCESS P50_MS P99_MS SUCCESSES".
   */
  private static Side goSide(String binary, CuratorFramework curator, String connect) {
    return seconds -> {
      long requests0 = packetsReceived(connect);
      String[] w = Timing.goOutput(binary, connect, "cas", Integer.toString(seconds));
      long requests = packetsReceived(connect) - requests0;
      int n = w.length;
      long successes = Long.parseLong(w[n - 1]);
      return new Run(
          Double.parseDouble(w[n - 5]),
          Double.parseDouble(w[n - 4]),
          requests / (double) successes,
          0,
          Double.parseDouble(w[n - 3]),
          Double.parseDouble(w[n - 2]),
          successes,
          value(curator.getData().forPath("/golibkv/counter")));
    };
  }

  /** (c): what (b) needs: getData with its stat, setData at that version. */
  private static int rawGetThenSet(ZooKeeper zk, String path, Attempts a) throws Exception {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Stat s = new Stat();
      byte[] v = zk.getData(path, false, s);
      try {
        zk.setData(path, bytes(value(v) + 1), s.getVersion());
        a.next();
        return attempt;
      } catch (KeeperException.BadVersionException e) {
        a.next();
      }
    }
    throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
  }

  /**
   * (c'): the calls (b) makes (CompareAndSet.atomicPut on one server, whose view is never behind
   * the pair's): get's getData; atomicPut's getData, its mzxid compared with the first's (a
   * conflict seen there sends no setData), then setData at the version of that second read.
   */
  private static int rawAsLibkv(ZooKeeper zk, String path, Attempts a) throws Exception {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Stat got = new Stat();
      byte[] v = zk.getData(path, false, got);
      Stat again = new Stat();
      zk.getData(path, false, again);
      if (again.getMzxid() == got.getMzxid()) {
        try {
          zk.setData(path, bytes(value(v) + 1), again.getVersion());
          a.next();
          return attempt;
        } catch (KeeperException.BadVersionException e) {
          // modified between the second read and the write
        }
      }
      a.next();
    }
    throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
  }

  private static double percentile(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[(int) (p * (sorted.length - 1))];
  }

  /**
   * The requests the server has received (its {@code mntr} four-letter word, which it does not
   * count itself); idle sessions' pings add a few per run.
   */
  private static long packetsReceived(String connect) throws Exception {
    int colon = connect.lastIndexOf(':');
    String body;
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(
              connect.substring(0, colon), Integer.parseInt(connect.substring(colon + 1))),
          5000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("mntr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      try (InputStream in = s.getInputStream()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    Matcher m = PACKETS_RECEIVED.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("no zk_packets_received in mntr's answer: " + body);
    }
    return Long.parseLong(m.group(1));
  }
}
