package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * libkv's ZooKeeper store next to raw Curator on the same in-process server: put of a new key, put
 * over an existing key, get, CAS, and a 1,000-key list. Each libkv benchmark has its raw twin
 * ({@code raw*}); JMH runs them in alphabetical order, and {@link #main} prints the same pairs
 * measured in interleaved rounds (libkv, raw, libkv, raw...), which cancels drift on a shared
 * machine.
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.ZooKeeperBenchmark} (interleaved figures), or through JMH's runner with {@code
 * ZooKeeperBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class ZooKeeperBenchmark {
  private static final int LIST_KEYS = 1000;
  private static final int OVERWRITE_KEYS = 100;
  private static final byte[] VALUE =
      "a value of some tens of bytes, like an address:port pair".getBytes(StandardCharsets.UTF_8);

  private ZooKeeperServer server;
  private Store store;
  private CuratorFramework curator;
  private long n;
  private KVPair casPair;
  private int casVersion;

  /** Starts the server and both clients, and fills a 1,000-key directory for each. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    server = ZooKeeperServer.start();
    store = LibKV.open("zk://" + server.connectString() + "/bench");
    curator =
        CuratorFrameworkFactory.newClient(
            server.connectString(), 10_000, 10_000, new RetryOneTime(100));
    curator.start();
    curator.blockUntilConnected();
    curator.create().creatingParentsIfNeeded().forPath("/raw/new");
    for (int i = 0; i < LIST_KEYS; i++) {
      store.put("list/k" + i, VALUE);
      curator.create().creatingParentsIfNeeded().forPath("/raw/list/k" + i, VALUE);
    }
    for (int i = 0; i < OVERWRITE_KEYS; i++) {
      store.put("over/k" + i, VALUE);
      curator.create().creatingParentsIfNeeded().forPath("/raw/over/k" + i, VALUE);
    }
    store.put("new/seed", VALUE);
    store.put("get", VALUE);
    curator.create().forPath("/raw/get", VALUE);
    curator.create().forPath("/raw/cas", VALUE);
    casPair = store.get("get");
    casVersion = curator.checkExists().forPath("/raw/get").getVersion();
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    store.close();
    curator.close();
    server.close();
  }

  /** libkv: put of a new key in an existing directory (one create). */
  @Benchmark
  public void putNew() {
    store.put("new/k" + (n++), VALUE, WriteOptions.DEFAULT);
  }

  /** Raw Curator: create of a new node. */
  @Benchmark
  public void rawPutNew() throws Exception {
    curator.create().withMode(CreateMode.PERSISTENT).forPath("/raw/new/k" + (n++), VALUE);
  }

  /** libkv: put over an existing key (one of 100, cycled). */
  @Benchmark
  public void overwrite() {
    store.put("over/k" + (n++ % OVERWRITE_KEYS), VALUE, WriteOptions.DEFAULT);
  }

  /** Raw Curator: one setData at any version. */
  @Benchmark
  public void rawOverwrite() throws Exception {
    curator.setData().forPath("/raw/over/k" + (n++ % OVERWRITE_KEYS), VALUE);
  }

  /** Raw Curator as Go libkv writes a put: exists, then setData (or create). */
  @Benchmark
  public void rawExistsThenSet() throws Exception {
    String path = "/raw/over/k" + (n++ % OVERWRITE_KEYS);
    if (curator.checkExists().forPath(path) == null) {
      curator.create().forPath(path, VALUE);
    } else {
      curator.setData().forPath(path, VALUE);
    }
  }

  /** libkv: get. */
  @Benchmark
  public KVPair get() {
    return store.get("get");
  }

  /** Raw Curator: getData with its stat. */
  @Benchmark
  public byte[] rawGet() throws Exception {
    return curator.getData().storingStatIn(new Stat()).forPath("/raw/get");
  }

  /** libkv: compare-and-set (read the stat, set at its version). */
  @Benchmark
  public void cas() {
    casPair = store.atomicPut("get", VALUE, casPair, WriteOptions.DEFAULT);
  }

  /** Raw Curator: setData at a known version. */
  @Benchmark
  public void rawCas() throws Exception {
    casVersion = curator.setData().withVersion(casVersion).forPath("/raw/get", VALUE).getVersion();
  }

  private long casMzxid;

  /**
   * Raw Curator doing what a compare-and-set on the modification zxid (libkv's index) takes: read
   * the stat, compare its mzxid, setData at its version.
   */
  @Benchmark
  public void rawCasOnMzxid() throws Exception {
    org.apache.zookeeper.data.Stat s = new org.apache.zookeeper.data.Stat();
    curator.getData().storingStatIn(s).forPath("/raw/cas");
    if (casMzxid != 0 && s.getMzxid() != casMzxid) {
      throw new IllegalStateException("modified");
    }
    casMzxid = curator.setData().withVersion(s.getVersion()).forPath("/raw/cas", VALUE).getMzxid();
  }

  /** libkv: list of 1,000 keys. */
  @Benchmark
  public List<KVPair> list() {
    return store.list("list");
  }

  /** Raw Curator as one writes it: getChildren, then getData of each child in turn. */
  @Benchmark
  public List<byte[]> rawList() throws Exception {
    List<byte[]> out = new ArrayList<>(LIST_KEYS);
    for (String c : curator.getChildren().forPath("/raw/list")) {
      out.add(curator.getData().forPath("/raw/list/" + c));
    }
    return out;
  }

  /** Raw ZooKeeper at its best: getChildren, then every getData in flight at once. */
  @Benchmark
  public List<byte[]> rawListPipelined() throws Exception {
    ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
    List<String> children = zk.getChildren("/raw/list", false);
    List<CompletableFuture<byte[]>> fs = new ArrayList<>(children.size());
    for (String c : children) {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      zk.getData("/raw/list/" + c, false, (rc, p, ctx, data, stat) -> f.complete(data), null);
      fs.add(f);
    }
    List<byte[]> out = new ArrayList<>(fs.size());
    for (CompletableFuture<byte[]> f : fs) {
      out.add(f.get());
    }
    return out;
  }

  /** Interleaved rounds: each pair measured alternately, medians of rounds printed. */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    ZooKeeperBenchmark b = new ZooKeeperBenchmark();
    b.setUp();
    try {
      String[] names = {"put new key", "overwrite", "get", "CAS", "list 1,000 keys"};
      Timing.Op[][] pairs = {
        {b::putNew, b::rawPutNew},
        {b::overwrite, b::rawOverwrite, b::rawExistsThenSet},
        {b::get, b::rawGet},
        {b::cas, b::rawCas, b::rawCasOnMzxid},
        {b::list, b::rawList, b::rawListPipelined},
      };
      int[] opsPerRound = {300, 300, 1000, 300, 5};
      System.out.println(
          "ZooKeeper 3.9.5 in-process, loopback; median of " + rounds + " interleaved rounds");
      System.out.println(
          String.format(
              Locale.ROOT,
              "%-16s %14s %14s %18s",
              "operation",
              "libkv",
              "raw Curator",
              "raw (3rd form)"));
      System.out.println(
          "  (overwrite: raw setData, then raw exists + setData as Go libkv writes a put;"
              + " CAS: raw setData at a known version, then raw read + setData as a CAS on the mzxid"
              + " needs; list: raw one read at a time, then raw pipelined)");
      for (int p = 0; p < pairs.length; p++) {
        double[][] perOp = new double[pairs[p].length][rounds];
        for (Timing.Op op : pairs[p]) {
          Timing.microsPerOp(op, opsPerRound[p]); // warm-up
        }
        for (int r = 0; r < rounds; r++) {
          for (int v = 0; v < pairs[p].length; v++) {
            perOp[v][r] = Timing.microsPerOp(pairs[p][v], opsPerRound[p]);
          }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-16s", names[p]));
        for (double[] t : perOp) {
          java.util.Arrays.sort(t);
          double micros = t[t.length / 2];
          line.append(String.format(Locale.ROOT, " %8.0f ops/s", 1e6 / micros))
              .append(
                  names[p].startsWith("list")
                      ? String.format(Locale.ROOT, " (%.1f ms)", micros / 1000)
                      : "");
        }
        System.out.println(line);
      }
    } finally {
      b.tearDown();
    }
  }
}
