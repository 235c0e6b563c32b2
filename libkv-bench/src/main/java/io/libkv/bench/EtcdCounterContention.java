package io.libkv.bench;

import static io.libkv.bench.Contention.MAX_ATTEMPTS;
import static io.libkv.bench.Contention.bytes;
import static io.libkv.bench.Contention.value;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.bench.Contention.Attempts;
import io.libkv.bench.Contention.Increment;
import io.libkv.testkit.servers.EtcdServer;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
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

/**
 * Four threads incrementing one counter key on one etcd, four ways: (a) {@code store.update}, (b)
 * libkv's get then {@code atomicPut} until it succeeds, (c) raw jetcd get then a Txn comparing the
 * mod revision, (d) raw jetcd whose Txn reads the key in its Else branch, so a conflict needs no
 * second get. Interleaved rounds after a JVM warm-up; successes per second (median and range),
 * attempts and etcd KV calls per success (counted by etcd's own gRPC metrics), and the latency of
 * one attempt (p50, p99).
 *
 * <p>{@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.EtcdCounterContention [rounds, default 3] [seconds per run, default 5]}
 */
public final class EtcdCounterContention {
  private static final int THREADS = 4;

  private static final Pattern HANDLED =
      Pattern.compile(
          "grpc_server_handled_total\\{[^}]*grpc_method=\"(Range|Txn|Put)\""
              + "[^}]*grpc_service=\"etcdserverpb.KV\"[^}]*} (\\d+)");

  private EtcdCounterContention() {}

  /** A run's figures. */
  private record Run(
      double perSecond,
      double attemptsPerSuccess,
      double callsPerSuccess,
      long gaveUp,
      long[] nanos) {}

  /** Runs it; prints each run, then the medians. */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    try (EtcdServer server = EtcdServer.start();
        Store store = LibKV.open("etcd://" + server.endpoint() + "/bench");
        Client raw = Client.builder().endpoints("http://" + server.endpoint()).build()) {
      String key = "counter";
      ByteSequence rawKey = ByteSequence.from("bench/" + key, StandardCharsets.UTF_8);
      store.put(key, bytes(0));
      KV kv = raw.getKVClient();
      Map<String, Increment> ways = new LinkedHashMap<>();
      ways.put("(a) store.update", a -> Contention.update(store, key, a));
      ways.put("(b) libkv get+atomicPut", a -> Contention.getThenAtomicPut(store, key, a));
      ways.put("(c) jetcd get+Txn", a -> rawGetThenTxn(kv, rawKey, a, false));
      ways.put("(d) jetcd Txn+Else get", a -> rawGetThenTxn(kv, rawKey, a, true));
      long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < warmUntil) {
        for (Increment inc : ways.values()) {
          run(server, inc, 1);
        }
      }
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (Map.Entry<String, Increment> w : ways.entrySet()) {
          Run r = run(server, w.getValue(), seconds);
          runs.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(r);
          System.out.printf(
              Locale.ROOT,
              "round %d %-26s %7.0f successes/s, %.2f attempts and %.2f etcd calls per success,"
                  + " %d gave up%n",
              round,
              w.getKey(),
              r.perSecond,
              r.attemptsPerSuccess,
              r.callsPerSuccess,
              r.gaveUp);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%n%d threads, one key, %d rounds of %d s; medians (range of successes/s):%n",
          THREADS,
          rounds,
          seconds);
      for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
        List<Run> l = e.getValue();
        double[] rate = l.stream().mapToDouble(Run::perSecond).toArray();
        double[] att = l.stream().mapToDouble(Run::attemptsPerSuccess).toArray();
        double[] calls = l.stream().mapToDouble(Run::callsPerSuccess).toArray();
        long[] all = l.stream().flatMapToLong(r -> Arrays.stream(r.nanos)).sorted().toArray();
        System.out.printf(
            Locale.ROOT,
            "%-26s %7.0f/s (%.0f-%.0f), %.2f attempts and %.2f etcd calls per success,"
                + " attempt p50 %.2f ms p99 %.2f ms, %d gave up%n",
            e.getKey(),
            Timing.median(rate),
            Arrays.stream(rate).min().orElse(0),
            Arrays.stream(rate).max().orElse(0),
            Timing.median(att),
            Timing.median(calls),
            all[all.length / 2] / 1e6,
            all[(int) (all.length * 0.99)] / 1e6,
            l.stream().mapToLong(Run::gaveUp).sum());
      }
    }
  }

  private static Run run(EtcdServer server, Increment inc, int seconds) throws Exception {
    long calls0 = kvCalls(server);
    Contention.Workers w = Contention.run(THREADS, seconds, inc);
    long calls = kvCalls(server) - calls0;
    return new Run(
        w.perSecond(),
        w.attemptsPerSuccess(),
        calls / (double) w.successes(),
        w.gaveUp(),
        w.nanos());
  }

  /** (c) and (d): jetcd, comparing the mod revision; (d) reads the key in the Else branch. */
  private static int rawGetThenTxn(KV kv, ByteSequence key, Attempts a, boolean elseGet)
      throws Exception {
    KeyValue current = kv.get(key).get(10, TimeUnit.SECONDS).getKvs().get(0);
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      ByteSequence next = ByteSequence.from(bytes(value(current.getValue().getBytes()) + 1));
      var txn =
          kv.txn()
              .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())))
              .Then(Op.put(key, next, PutOption.DEFAULT));
      if (elseGet) {
        txn = txn.Else(Op.get(key, GetOption.DEFAULT));
      }
      TxnResponse r = txn.commit().get(10, TimeUnit.SECONDS);
      a.next();
      if (r.isSucceeded()) {
        return attempt;
      }
      current =
          elseGet
              ? r.getGetResponses().get(0).getKvs().get(0)
              : kv.get(key).get(10, TimeUnit.SECONDS).getKvs().get(0);
    }
    throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
  }

  /** The KV calls (Range, Txn, Put) etcd has answered, from its metrics. */
  private static long kvCalls(EtcdServer server) throws Exception {
    HttpURLConnection c =
        (HttpURLConnection) URI.create(server.clientUrl() + "/metrics").toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    String body;
    try (InputStream in = c.getInputStream()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
    long total = 0;
    Matcher m = HANDLED.matcher(body);
    while (m.find()) {
      total += Long.parseLong(m.group(2));
    }
    return total;
  }
}
