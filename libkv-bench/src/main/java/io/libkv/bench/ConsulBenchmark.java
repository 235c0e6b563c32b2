package io.libkv.bench;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.servers.ConsulEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
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
 * The Consul store's own cost per operation, against the emulator, side by side with a raw {@link
 * HttpClient} call of the same request (target: the store adds less than 50 µs): {@code get} is
 * {@code GET /v1/kv/KEY} and its JSON, {@code put} one {@code /v1/txn} {@code set}.
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * org.openjdk.jmh.Main ConsulBenchmark}, or its {@link #main} for interleaved rounds (steadier
 * against the emulator's own variance).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class ConsulBenchmark {
  private ConsulEmulator consul;
  private Store store;
  private HttpClient http;
  private HttpRequest rawGet;
  private String txnUri;
  private byte[] value;

  /** Starts the emulator and writes the key read. */
  @Setup(Level.Trial)
  public void setUp() {
    consul = ConsulEmulator.start();
    store = LibKV.open(consul.uri());
    value = "some configuration value, 40 bytes long".getBytes(StandardCharsets.UTF_8);
    store.put("bench/key", value);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    rawGet =
        HttpRequest.newBuilder(URI.create("http://" + consul.address() + "/v1/kv/bench/key"))
            .GET()
            .build();
    txnUri = "http://" + consul.address() + "/v1/txn";
  }

  /** Stops it. */
  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    consul.close();
  }

  /** The store's get: request, JSON, base64, KVPair. */
  @Benchmark
  public Object storeGet() {
    return store.get("bench/key");
  }

  /** The same request with the JDK's client, its body read as bytes. */
  @Benchmark
  public Object rawGet() throws Exception {
    return http.send(rawGet, HttpResponse.BodyHandlers.ofByteArray()).body();
  }

  /** The store's put: one transaction, its result parsed. */
  @Benchmark
  public void storePut() {
    store.put("bench/put", value);
  }

  /** The same transaction body built by hand and sent with the JDK's client. */
  @Benchmark
  public Object rawPut() throws Exception {
    String body =
        "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"bench/put\",\"Value\":\""
            + Base64.getEncoder().encodeToString(value)
            + "\",\"Flags\":"
            + System.nanoTime()
            + "}}]";
    return http.send(
            HttpRequest.newBuilder(URI.create(txnUri))
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray())
        .body();
  }

  /**
   * Interleaved rounds on one emulator: in each round the store's operation and the raw call run
   * back to back (alternating which goes first), so the emulator's drift hits both; prints the
   * median per side and the median of the per-round differences, the store's own cost. Argument:
   * rounds (default 21).
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
    int perRound = 1000;
    ConsulBenchmark b = new ConsulBenchmark();
    b.setUp();
    try {
      String[] names = {"get", "put"};
      Timing.Op[][] pairs = {{b::storeGet, b::rawGet}, {b::storePut, b::rawPut}};
      System.out.println(
          "Consul emulator, loopback; " + rounds + " interleaved rounds of " + perRound + " ops");
      for (int p = 0; p < pairs.length; p++) {
        Timing.microsPerOp(pairs[p][0], 3 * perRound); // warm-up
        Timing.microsPerOp(pairs[p][1], 3 * perRound);
        double[] store = new double[rounds];
        double[] raw = new double[rounds];
        double[] diff = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          if (r % 2 == 0) {
            store[r] = Timing.microsPerOp(pairs[p][0], perRound);
            raw[r] = Timing.microsPerOp(pairs[p][1], perRound);
          } else {
            raw[r] = Timing.microsPerOp(pairs[p][1], perRound);
            store[r] = Timing.microsPerOp(pairs[p][0], perRound);
          }
          diff[r] = store[r] - raw[r];
        }
        double[] sortedDiff = diff.clone();
        java.util.Arrays.sort(sortedDiff);
        System.out.printf(
            java.util.Locale.ROOT,
            "%-4s store %7.1f us/op   raw %7.1f us/op   store - raw: median %+6.1f us (rounds' quartiles %+.1f .. %+.1f)%n",
            names[p],
            Timing.median(store),
            Timing.median(raw),
            Timing.median(diff),
            sortedDiff[rounds / 4],
            sortedDiff[(3 * rounds) / 4]);
      }
    } finally {
      b.tearDown();
    }
  }
}
