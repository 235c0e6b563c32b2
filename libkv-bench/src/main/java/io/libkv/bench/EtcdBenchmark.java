package io.libkv.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.testkit.servers.EtcdServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * libkv's etcd store against raw jetcd on the same etcd server, operation by operation: put, get, a
 * 1,000-key list, an uncontended compare-and-set, a lock/unlock cycle (jetcd's through etcd's Lock
 * service on a lease, as its users do). One thread each.
 *
 * <p>{@link #main} starts one loopback etcd and runs the pairs interleaved (libkv, jetcd, libkv,
 * jetcd, ... for several rounds), so that a drift of the shared machine hits both sides alike; it
 * prints every round and the median per side. Pass {@code -Dlibkv.bench.etcd=host:port} to use a
 * running server instead.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class EtcdBenchmark {
  private static final String ENDPOINT = "libkv.bench.etcd";
  private static final int LIST_KEYS = 1000;

  private @Nullable EtcdServer server;
  private Store store;
  private Client client;
  private Lock lock;
  private long leaseId;
  private KVPair lastCas;
  private long lastRawCas;
  private byte[] value;
  private ByteSequence rawValue;
  private final ByteSequence rawKey = bs("bench-raw/key");
  private final ByteSequence rawCasKey = bs("bench-raw/cas");
  private final ByteSequence rawDir = bs("bench-raw/dir/");
  private final ByteSequence rawLock = bs("bench-raw/lock");
  private GetOption rawList;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /**
   * Connects both clients (starting a server if none is given) and fills the listed directories.
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String ep = System.getProperty(ENDPOINT);
    if (ep == null) {
      server = EtcdServer.start();
      ep = server.endpoint();
    }
    store = LibKV.open("etcd://" + ep + "/bench-libkv");
    client = Client.builder().endpoints("http://" + ep).build();
    value =
        "a value of some hundred bytes, like a small piece of configuration or an address:port"
            .getBytes(UTF_8);
    rawValue = ByteSequence.from(value);
    Map<String, byte[]> m = new HashMap<>();
    for (int k = 0; k < LIST_KEYS; k++) {
      m.put("dir/key-" + k, value);
      client.getKVClient().put(rawDir.concat(bs("key-" + k)), rawValue).get();
    }
    store.putAll(m);
    store.put("key", value);
    client.getKVClient().put(rawKey, rawValue).get();
    store.put("cas", value);
    lastCas = store.get("cas");
    lastRawCas = client.getKVClient().put(rawCasKey, rawValue).get().getHeader().getRevision();
    rawList = GetOption.builder().isPrefix(true).build();
    lock = store.newLock("lock", LockOptions.builder().ttl(Duration.ofSeconds(15)).build());
    leaseId = client.getLeaseClient().grant(60).get().getID();
    client
        .getLeaseClient()
        .keepAlive(
            leaseId,
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse r) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
  }

  /** Closes both clients and the server it started. */
  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    client.close();
    if (server != null) {
      server.close();
    }
  }

  /** libkv: a plain put. */
  @Benchmark
  public void libkvPut() {
    store.put("key", value);
  }

  /** jetcd: a plain put. */
  @Benchmark
  public Object jetcdPut() throws Exception {
    return client.getKVClient().put(rawKey, rawValue).get();
  }

  /** libkv: a get. */
  @Benchmark
  public KVPair libkvGet() {
    return store.get("key");
  }

  /** jetcd: a get. */
  @Benchmark
  public GetResponse jetcdGet() throws Exception {
    return client.getKVClient().get(rawKey).get();
  }

  /** libkv: a list of 1,000 keys. */
  @Benchmark
  public List<KVPair> libkvList1000() {
    return store.list("dir");
  }

  /**
   * jetcd: a prefix get of 1,000 keys, each key and value then read as bytes, as a caller reads a
   * listing (jetcd builds its key-value objects only when asked, so a bare get would measure the
   * round trip alone).
   */
  @Benchmark
  public long jetcdList1000() throws Exception {
    GetResponse r = client.getKVClient().get(rawDir, rawList).get();
    long bytes = 0;
    for (io.etcd.jetcd.KeyValue kv : r.getKvs()) {
      bytes += kv.getKey().getBytes().length + kv.getValue().getBytes().length;
    }
    return bytes;
  }

  /** libkv: a compare-and-set that succeeds (the previous pair is the last one written). */
  @Benchmark
  public KVPair libkvCas() {
    lastCas = store.atomicPut("cas", value, lastCas, io.libkv.WriteOptions.DEFAULT);
    return lastCas;
  }

  /** jetcd: the same transaction, comparing the mod revision. */
  @Benchmark
  public TxnResponse jetcdCas() throws Exception {
    TxnResponse r =
        client
            .getKVClient()
            .txn()
            .If(new Cmp(rawCasKey, Cmp.Op.EQUAL, CmpTarget.modRevision(lastRawCas)))
            .Then(Op.put(rawCasKey, rawValue, PutOption.DEFAULT))
            .commit()
            .get();
    if (!r.isSucceeded()) {
      throw new IllegalStateException("raw CAS failed");
    }
    lastRawCas = r.getHeader().getRevision();
    return r;
  }

  /** libkv: lock and unlock (one transaction each on the store's lease). */
  @Benchmark
  public long libkvLockCycle() throws Exception {
    try (LockLease l = lock.lock()) {
      return l.fencingToken();
    }
  }

  /** libkv as a request handler writes it: a new {@code Lock} per cycle, then lock and unlock. */
  @Benchmark
  public long libkvNewLockCycle() throws Exception {
    try (LockLease l =
        store.newLock("lock", LockOptions.builder().ttl(Duration.ofSeconds(15)).build()).lock()) {
      return l.fencingToken();
    }
  }

  /** jetcd's twin of {@link #libkvNewLockCycle}: etcd's Lock service keeps no client object. */
  @Benchmark
  public Object jetcdNewLockCycle() throws Exception {
    return jetcdLockCycle();
  }

  /** jetcd: lock and unlock through etcd's Lock service on a kept-alive lease. */
  @Benchmark
  public Object jetcdLockCycle() throws Exception {
    LockResponse r = client.getLockClient().lock(rawLock, leaseId).get();
    return client.getLockClient().unlock(r.getKey()).get();
  }

  /**
   * Runs the pairs interleaved for a few rounds on one server and prints ops/s per round and the
   * median per side. Argument: the number of rounds (default 3).
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    String[] ops = {"Put", "Get", "List1000", "Cas", "LockCycle", "NewLockCycle"};
    Map<String, List<Double>> scores = new HashMap<>();
    try (EtcdServer s = EtcdServer.start()) {
      for (int r = 0; r < rounds; r++) {
        for (String op : ops) {
          // alternate which side goes first, so neither always runs on a warmer machine
          String[] sides =
              r % 2 == 0 ? new String[] {"libkv", "jetcd"} : new String[] {"jetcd", "libkv"};
          for (String side : sides) {
            String name = side + op;
            Collection<RunResult> res =
                new Runner(
                        new OptionsBuilder()
                            .include(EtcdBenchmark.class.getName() + "." + name + "$")
                            .jvmArgsAppend("-D" + ENDPOINT + "=" + s.endpoint())
                            .build())
                    .run();
            double score = res.iterator().next().getPrimaryResult().getScore();
            scores.computeIfAbsent(name, k -> new ArrayList<>()).add(score);
            System.out.printf("round %d %-16s %10.1f ops/s%n", r + 1, name, score);
          }
        }
      }
    }
    System.out.println();
    System.out.printf(
        "%-10s %12s %12s %8s   (median of %d interleaved rounds; every round's score above)%n",
        "op", "libkv ops/s", "jetcd ops/s", "ratio", rounds);
    for (String op : ops) {
      // every op was scored for both clients
      double a = Timing.median(Objects.requireNonNull(scores.get("libkv" + op)));
      double b = Timing.median(Objects.requireNonNull(scores.get("jetcd" + op)));
      System.out.printf("%-10s %12.1f %12.1f %8.2f%n", op, a, b, a / b);
    }
  }
}
