package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.KeyModifiedException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The boltdb store against Go's docker/libkv on bbolt files in the same directory (the same disk),
 * in both of its modes: exclusive (the file kept open; Go's {@code PersistConnection}) and shared
 * (the file opened and locked per call, as Go libkv does by default). Workloads as users run them:
 * puts of new keys, puts over one key, gets, a listing of 1,000 keys, and compare-and-set loops
 * (get then atomicPut) from 4 threads counting successes; 100-byte values; every put durable (two
 * fdatasyncs per commit on both sides). Interleaved rounds, libkv then Go, after a JVM warm-up, so
 * the disk's changing sync cost falls on both alike; medians and ranges of the ratio. The Go side
 * is {@code libkv-bench/go/golibkv-boltdb} (built from Debian's packages by {@code
 * libkv-bench/go/build.sh golibkv-boltdb}).
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.GoLibkvBoltdbComparison GO_BINARY [ROUNDS] [SECONDS]}.
 */
public final class GoLibkvBoltdbComparison {
  private static final byte[] VALUE = "v".repeat(100).getBytes(StandardCharsets.UTF_8);
  private static final String[] WORKLOADS = {"put", "over", "get", "list", "cas"};

  private GoLibkvBoltdbComparison() {}

  /** Arguments: the golibkv-boltdb binary, rounds (default 5), seconds per side (default 3). */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: GoLibkvBoltdbComparison GO_BINARY [ROUNDS] [SECONDS]");
      System.exit(2);
    }
    String go = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path dir = Files.createTempDirectory("libkv-bolt-vs-go");
    try {
      for (String mode : new String[] {"exclusive", "shared"}) {
        Path file = dir.resolve("libkv-" + mode + ".db");
        try (Store s = LibKV.open("boltdb:" + file + "?bucket=libkv&mode=" + mode)) {
          prepare(s);
          // the JIT needs some 10 s of calls before a round means anything
          long warm = System.nanoTime() + 10_000_000_000L;
          while (System.nanoTime() < warm) {
            for (String w : WORKLOADS) {
              run(s, w, 0.2);
            }
          }
          Map<String, List<Double>> ratios = new LinkedHashMap<>();
          System.out.printf("%n%s mode: ops/s (cas: successes/s, 4 workers)%n", mode);
          System.out.println("round  workload      libkv    Go libkv   ratio");
          for (int r = 1; r <= rounds; r++) {
            for (String w : WORKLOADS) {
              double ours = run(s, w, seconds);
              double theirs =
                  runGo(go, dir.resolve("go-" + mode + "-" + w + ".db"), w, seconds, mode);
              ratios.computeIfAbsent(w, k -> new ArrayList<>()).add(ours / theirs);
              System.out.printf(
                  "%5d  %-8s %10.1f %11.1f %7.2f%n", r, w, ours, theirs, ours / theirs);
            }
          }
          for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            System.out.printf(
                "%s %s, libkv / Go libkv: median %.2f (%s)%n",
                mode, e.getKey(), Timing.median(e.getValue()), Timing.range(e.getValue()));
          }
        }
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void prepare(Store s) {
    s.put("bench/get", VALUE);
    for (int i = 0; i < 1000; i++) {
      s.put(String.format("bench/list/k%04d", i), VALUE);
    }
    s.put("bench/cas", "0".getBytes(StandardCharsets.UTF_8));
  }

  private static final AtomicLong NEXT = new AtomicLong();

  /** Runs workload {@code w} for {@code seconds}; its rate. */
  private static double run(Store s, String w, double seconds) throws Exception {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    long n = 0;
    switch (w) {
      case "put" -> {
        for (; System.nanoTime() < end; n++) {
          s.put("bench/new/" + NEXT.incrementAndGet(), VALUE);
        }
      }
      case "over" -> {
        for (; System.nanoTime() < end; n++) {
          s.put("bench/over", VALUE);
        }
      }
      case "get" -> {
        for (; System.nanoTime() < end; n++) {
          s.get("bench/get");
        }
      }
      case "list" -> {
        for (; System.nanoTime() < end; n++) {
          if (s.list("bench/list").size() != 1000) {
            throw new IllegalStateException("listing lost keys");
          }
        }
      }
      case "cas" -> n = cas(s, end);
      default -> throw new IllegalArgumentException(w);
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static long cas(Store s, long end) throws InterruptedException {
    AtomicLong ok = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  KVPair p = s.get("bench/cas");
                  int v = Integer.parseInt(p.valueAsString());
                  try {
                    s.atomicPut(
                        "bench/cas",
                        Integer.toString(v + 1).getBytes(StandardCharsets.UTF_8),
                        p,
                        WriteOptions.DEFAULT);
                    ok.incrementAndGet();
                  } catch (KeyModifiedException e) {
                    // another worker won this round
                  }
                }
              });
      th.start();
      workers.add(th);
    }
    for (Thread th : workers) {
      th.join();
    }
    return ok.get();
  }

  private static double runGo(String binary, Path file, String w, int seconds, String mode)
      throws Exception {
    return Timing.goRate(
        binary,
        file.toString(),
        w,
        Integer.toString(seconds),
        Boolean.toString(mode.equals("exclusive")));
  }
}
