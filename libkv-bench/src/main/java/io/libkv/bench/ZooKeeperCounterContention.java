package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.KeyModifiedException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.UpdateConflictException;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * 5]}, {@code GO_ZK} built by {@code libkv-bench/go/build.sh golibkv-zk /tmp/golibkv-zk} ({@code
 * -}: no Go side).
 */
public final class ZooKeeperCounterContention {
  private static final int THREADS = 4;

  /** Where the get-then-set loops stop (never reached in practice; a bound, not a setting). */
  private static final int MAX_ATTEMPTS = 10_000;

  private static final String SERVER_MODE = "--zookeeper-server";

  private static final Pattern PACKETS_RECEIVED = Pattern.compile("zk_packets_received\\s+(\\d+)");

  private ZooKeeperCounterContention() {}

  /** One way to add 1 to the counter; returns the attempts it took, recording each one's time. */
  @FunctionalInterface
  private interface Increment {
    int run(Attempts attempts) throws Exception;
  }

  /** One side of the comparison: a run of {@code seconds}, its counter checked. */
  @FunctionalInterface
  private interface Side {
    Run run(int seconds) throws Exception;
  }

  /** A thread's attempt times, in nanoseconds. */
  private static final class Attempts {
    long[] nanos = new long[1 << 16];
    int n;
    long start = System.nanoTime();

    /** Ends the attempt that began at {@link #start} and begins the next. */
    void next() {
      long now = System.nanoTime();
      if (n == nanos.length) {
        nanos = Arrays.copyOf(nanos, n * 2);
      }
      nanos[n++] = now - start;
      start = now;
    }
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
    if (args.length == 1 && args[0].equals(SERVER_MODE)) {
      serveZooKeeper();
      return;
    }
    if (args.length < 1) {
      System.err.println("usage: ZooKeeperCounterContention GO_ZK|- [ROUNDS] [SECONDS]");
      System.exit(2);
    }
    String go = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    List<String> lost = new ArrayList<>();
    Process zkProcess = startZooKeeperJvm();
    try {
      String connect =
          new BufferedReader(
                  new InputStreamReader(zkProcess.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      if (connect == null) {
        throw new IllegalStateException("the ZooKeeper JVM ended before it served");
      }
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
            javaSide(curator, connect, "/bench/update", a -> update(store, "update", a)));
        javaSides.put(
            "(b) libkv get+atomicPut",
            javaSide(curator, connect, "/bench/cas", a -> getThenAtomicPut(store, "cas", a)));
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
      // the server's JVM stops when its standard input closes
      zkProcess.getOutputStream().close();
      if (!zkProcess.waitFor(10, TimeUnit.SECONDS)) {
        zkProcess.destroyForcibly();
      }
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
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      AtomicLong successes = new AtomicLong();
      AtomicLong attempts = new AtomicLong();
      AtomicLong gaveUp = new AtomicLong();
      List<Attempts> perThread = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < THREADS; i++) {
        Attempts a = new Attempts();
        perThread.add(a);
        Thread t =
            new Thread(
                () -> {
                  try {
                    while (System.nanoTime() < end) {
                      a.start = System.nanoTime();
                      try {
                        attempts.addAndGet(inc.run(a));
                        successes.incrementAndGet();
                      } catch (UpdateConflictException e) {
                        // store.update's bound of attempts (32 by default) passed: counted apart
                        attempts.addAndGet(e.attempts());
                        gaveUp.incrementAndGet();
                      }
                    }
                  } catch (Exception e) {
                    failures.add(e);
                  }
                });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long requests = packetsReceived(connect) - requests0;
      if (!failures.isEmpty()) {
        throw new IllegalStateException("a worker failed", failures.get(0));
      }
      long s = successes.get();
      long[] nanos =
          perThread.stream().flatMapToLong(a -> Arrays.stream(a.nanos, 0, a.n)).sorted().toArray();
      return new Run(
          s / elapsed,
          attempts.get() / (double) s,
          requests / (double) s,
          gaveUp.get(),
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

  /** (a): its read, then commits; a conflict brings the winner's pair back. */
  private static int update(Store store, String key, Attempts a) {
    int[] calls = {0};
    store.update(
        key,
        current -> {
          if (calls[0]++ > 0) {
            a.next(); // the previous attempt ended in a conflict (and, from the 5th on, a backoff)
          }
          return bytes(value(current.orElseThrow().value()) + 1);
        });
    a.next();
    return calls[0];
  }

  /** (b): Go libkv's loop, through this library: get, compare-and-set, again on a conflict. */
  private static int getThenAtomicPut(Store store, String key, Attempts a) {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      KVPair p = store.get(key);
      try {
        store.atomicPut(key, bytes(value(p.value()) + 1), p, WriteOptions.DEFAULT);
        a.next();
        return attempt;
      } catch (KeyModifiedException e) {
        a.next(); // modified since the get
      }
    }
    throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
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

  private static byte[] bytes(long v) {
    return Long.toString(v).getBytes(StandardCharsets.UTF_8);
  }

  private static long value(byte[] v) {
    return Long.parseLong(new String(v, StandardCharsets.UTF_8));
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

  /** Starts ZooKeeper in a JVM of its own; its first line of output is the connect string. */
  private static Process startZooKeeperJvm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            ZooKeeperCounterContention.class.getName(),
            SERVER_MODE)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  /** The child JVM: runs ZooKeeper until its standard input closes. */
  private static void serveZooKeeper() throws Exception {
    try (ZooKeeperServer server = ZooKeeperServer.start()) {
      System.out.println(server.connectString());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent closes our stdin or exits
      }
    }
  }
}
