package io.libkv.cli;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.Store;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench [--json]}: a short measurement of the store in force — puts, gets, a 1,000-key list,
 * watch latency, lock cycles and contended CAS — as a table or JSON lines. It works below a fresh
 * directory {@code libkv-bench/PID-N} and removes it afterwards.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures puts, gets, a 1,000-key list, watch latency, lock cycles and contended CAS",
      "below a scratch directory it removes afterwards. Each step stops after --ops operations or",
      "about a second, whichever comes first. Prints a table (-o text and -o table alike), or JSON lines",
      "with --json."
    })
final class BenchCommand extends StoreCommand implements JsonLines, TableOutput {
  private static final long STEP_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int LIST_KEYS = 1000;
  private static final int CAS_THREADS = 4;

  @Option(
      names = "--ops",
      paramLabel = "N",
      description = "Operations per step at most (default ${DEFAULT-VALUE}).")
  int ops = 1000;

  @Option(
      names = "--value-size",
      paramLabel = "BYTES",
      description = "Value size in bytes (default ${DEFAULT-VALUE}).")
  int valueSize = 100;

  private String dir = "";
  private final List<Result> results = new ArrayList<>();

  /** One step's numbers. */
  private static final class Result {
    final String name;
    final long ops;
    final long nanos;
    final Map<String, Long> extra = new LinkedHashMap<>();

    Result(String name, long ops, long nanos) {
      this.name = name;
      this.ops = ops;
      this.nanos = nanos;
    }

    long perOpNanos() {
      return ops == 0 ? 0 : nanos / ops;
    }

    long opsPerSec() {
      return nanos == 0 ? 0 : (long) (ops * 1e9 / nanos);
    }
  }

  @Override
  void prepare() {
    if (ops < 1 || valueSize < 0) {
      throw CliException.usage("--ops must be >= 1 and --value-size >= 0");
    }
  }

  @Override
  int run(Store store) throws Exception {
    dir = "libkv-bench/" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try {
      puts(store);
      gets(store);
      list(store);
      watchLatency(store);
      lockCycles(store);
      contendedCas(store);
    } finally {
      store.deleteTree(dir);
    }
    print();
    return ExitCodes.OK;
  }

  private String key(String step, int i) {
    return dir + "/" + step + "/" + String.format(Locale.ROOT, "%06d", i);
  }

  private byte[] value() {
    byte[] v = new byte[valueSize];
    Arrays.fill(v, (byte) 'x');
    return v;
  }

  private void puts(Store store) {
    byte[] v = value();
    long start = System.nanoTime();
    int n = 0;
    while (n < ops && System.nanoTime() - start < STEP_NANOS) {
      store.put(key("kv", n), v);
      n++;
    }
    results.add(new Result("put", n, System.nanoTime() - start));
  }

  private void gets(Store store) {
    int written = (int) results.get(0).ops;
    long start = System.nanoTime();
    int n = 0;
    while (n < ops && System.nanoTime() - start < STEP_NANOS) {
      store.get(key("kv", n % written));
      n++;
    }
    results.add(new Result("get", n, System.nanoTime() - start));
  }

  private void list(Store store) {
    byte[] v = value();
    Map<String, byte[]> batch = new LinkedHashMap<>();
    for (int i = 0; i < LIST_KEYS; i++) {
      batch.put(key("list", i), v);
    }
    store.putAll(batch);
    long start = System.nanoTime();
    int n = 0;
    while (n < ops && System.nanoTime() - start < STEP_NANOS) {
      int size = store.list(dir + "/list").size();
      if (size != LIST_KEYS) {
        throw new IllegalStateException(
            "bench list returned " + size + " keys, expected " + LIST_KEYS);
      }
      n++;
    }
    results.add(new Result("list-1000", n, System.nanoTime() - start));
  }

  private void watchLatency(Store store) throws InterruptedException {
    String k = dir + "/watch";
    long[] samples = new long[Math.min(ops, 200)];
    int n = 0;
    long start = System.nanoTime();
    try (Watch<KeyEvent> w = store.watch(k)) {
      w.take(); // the current state
      while (n < samples.length && System.nanoTime() - start < STEP_NANOS) {
        long t0 = System.nanoTime();
        store.put(k, Integer.toString(n).getBytes(StandardCharsets.UTF_8));
        KeyEvent e;
        do {
          e =
              w.poll(Duration.ofSeconds(10))
                  .orElseThrow(() -> new IllegalStateException("bench: no watch event within 10s"));
        } while (e.type() != EventType.PUT);
        samples[n++] = System.nanoTime() - t0;
      }
    }
    Result r = new Result("watch-latency", n, System.nanoTime() - start);
    long[] s = Arrays.copyOf(samples, n);
    Arrays.sort(s);
    r.extra.put("p50Us", n == 0 ? 0 : s[n / 2] / 1000);
    r.extra.put("p99Us", n == 0 ? 0 : s[Math.min(n - 1, (int) (n * 0.99))] / 1000);
    results.add(r);
  }

  private void lockCycles(Store store) throws InterruptedException {
    Lock lock = store.newLock(dir + "/lock");
    long start = System.nanoTime();
    int n = 0;
    while (n < Math.min(ops, 500) && System.nanoTime() - start < STEP_NANOS) {
      try (LockLease lease = lock.lock()) {
        n += lease.isHeld() ? 1 : 0;
      }
    }
    results.add(new Result("lock-cycle", n, System.nanoTime() - start));
  }

  private void contendedCas(Store store) throws Exception {
    String k = dir + "/counter";
    store.put(k, "0".getBytes(StandardCharsets.UTF_8));
    AtomicLong done = new AtomicLong();
    AtomicLong conflicts = new AtomicLong();
    int target = Math.min(ops, 400);
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(CAS_THREADS);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < CAS_THREADS; t++) {
        fs.add(
            pool.submit(
                () -> {
                  while (done.get() < target && System.nanoTime() - start < STEP_NANOS) {
                    KVPair p = store.get(k);
                    long next = Long.parseLong(p.valueAsString()) + 1;
                    try {
                      store.atomicPut(
                          k,
                          Long.toString(next).getBytes(StandardCharsets.UTF_8),
                          p,
                          WriteOptions.DEFAULT);
                      done.incrementAndGet();
                    } catch (KeyModifiedException | KeyExistsException | KeyNotFoundException e) {
                      conflicts.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    long nanos = System.nanoTime() - start;
    long value = Long.parseLong(store.get(k).valueAsString());
    if (value != done.get()) {
      throw new IllegalStateException(
          "bench: contended CAS counted " + value + " but " + done.get() + " CAS calls succeeded");
    }
    Result r = new Result("cas-contended", done.get(), nanos);
    r.extra.put("threads", (long) CAS_THREADS);
    r.extra.put("conflicts", conflicts.get());
    results.add(r);
  }

  private void print() {
    if (json()) {
      for (Result r : results) {
        Json.ObjectWriter w =
            Json.object()
                .field("name", r.name)
                .field("ops", r.ops)
                .field("totalUs", r.nanos / 1000)
                .field("perOpNs", r.perOpNanos())
                .field("opsPerSec", r.opsPerSec());
        r.extra.forEach(w::field);
        out().line(w.toString());
      }
      return;
    }
    out()
        .line(
            String.format(
                Locale.ROOT,
                "%-14s %8s %10s %12s %10s  %s",
                "STEP",
                "OPS",
                "TOTAL_MS",
                "PER_OP_US",
                "OPS/S",
                "NOTES"));
    for (Result r : results) {
      StringBuilder notes = new StringBuilder();
      r.extra.forEach(
          (k, v) -> notes.append(notes.length() == 0 ? "" : " ").append(k).append('=').append(v));
      out()
          .line(
              String.format(
                  Locale.ROOT,
                  "%-14s %8d %10.1f %12.1f %10d  %s",
                  r.name,
                  r.ops,
                  r.nanos / 1e6,
                  r.perOpNanos() / 1e3,
                  r.opsPerSec(),
                  notes));
    }
  }
}
