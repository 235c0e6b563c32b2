package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.KeyModifiedException;
import io.libkv.LibKV;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * libkv's etcd lock cycle, contended compare-and-set and contended {@code update} against Go's
 * docker/libkv (etcd's v2 API) and against the same v3 calls made by Go's own clientv3 (the lock's
 * two transactions; a get and a compare-and-set transaction), on one etcd 3.4 (v2 enabled), in
 * interleaved rounds so that the disk's changing fsync cost falls on both sides alike. The Go side
 * is {@code libkv-bench/go/golibkv-etcd} (built from Debian's packages by {@code
 * libkv-bench/go/build.sh golibkv-etcd}).
 *
 * <p>Run: {@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.GoLibkvEtcdComparison GO_BINARY [ROUNDS]}.
 */
public final class GoLibkvEtcdComparison {
  private static final int SECONDS = 3;
  private static final byte[] VALUE = "v".repeat(100).getBytes(StandardCharsets.UTF_8);

  private GoLibkvEtcdComparison() {}

  /** Arguments: the golibkv-etcd binary, the number of rounds (default 8). */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: GoLibkvEtcdComparison GO_BINARY [ROUNDS]");
      System.exit(2);
    }
    String go = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    List<Double> lockRatio = new ArrayList<>();
    List<Double> casRatio = new ArrayList<>();
    List<Double> updateRatio = new ArrayList<>();
    try (EtcdServer server = EtcdServer.start(new EtcdServer.Options().enableV2());
        Store s = LibKV.open("etcd://" + server.endpoint() + "/bench")) {
      String ep = server.endpoint();
      Lock lock = s.newLock("lock", LockOptions.builder().ttl(Duration.ofSeconds(15)).build());
      // the JIT needs some 10 s of calls before a round means anything
      long warm = System.nanoTime() + 12_000_000_000L;
      while (System.nanoTime() < warm) {
        lockCycles(lock, 1);
        cas(s, 2, 1);
        update(s, 2, 1);
      }
      runGo(go, ep, "lock");
      System.out.println(
          "round  libkv-lock  golibkv-lock  go-v3-2txn   ratio | libkv-cas4  golibkv-cas4  go-v3-cas4"
              + "   ratio | libkv-update4   ratio");
      for (int r = 1; r <= rounds; r++) {
        double lk = lockCycles(lock, SECONDS);
        double gl = runGo(go, ep, "lock");
        double g3 = runGo(go, ep, "v3lock");
        double c = cas(s, 4, SECONDS);
        double gc = runGo(go, ep, "cas");
        double g3c = runGo(go, ep, "v3cas");
        double u = update(s, 4, SECONDS);
        lockRatio.add(lk / gl);
        casRatio.add(c / gc);
        updateRatio.add(u / gc);
        System.out.printf(
            "%5d %11.0f %13.0f %11.0f %7.2f | %10.0f %13.0f %11.0f %7.2f | %13.0f %7.2f%n",
            r, lk, gl, g3, lk / gl, c, gc, g3c, c / gc, u, u / gc);
      }
    }
    System.out.printf(
        "lock cycles/s, libkv / Go libkv: median %.2f (%s)%n",
        Timing.median(lockRatio), Timing.range(lockRatio));
    System.out.printf(
        "CAS successes/s (4 workers), libkv / Go libkv: median %.2f (%s)%n",
        Timing.median(casRatio), Timing.range(casRatio));
    System.out.printf(
        "update successes/s (4 workers), libkv update / Go libkv's get-then-CAS: median %.2f (%s)%n",
        Timing.median(updateRatio), Timing.range(updateRatio));
  }

  private static double lockCycles(Lock lock, int seconds) throws InterruptedException {
    long t0 = System.nanoTime();
    long end = t0 + seconds * 1_000_000_000L;
    long n = 0;
    while (System.nanoTime() < end) {
      LockLease l = lock.lock();
      l.close();
      n++;
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /**
   * Successful compare-and-sets per second, {@code workers} threads each reading then writing one
   * key.
   */
  private static double cas(Store s, int workers, int seconds) throws InterruptedException {
    return contended(
        s,
        workers,
        seconds,
        () -> {
          KVPair p = s.get("cas");
          try {
            s.atomicPut("cas", VALUE, p, WriteOptions.DEFAULT);
            return true;
          } catch (KeyModifiedException lost) {
            return false; // another worker's write came first
          }
        });
  }

  /** Successful {@code Store.update}s per second, {@code workers} threads on one key. */
  private static double update(Store s, int workers, int seconds) throws InterruptedException {
    return contended(
        s,
        workers,
        seconds,
        () -> {
          s.update("cas", current -> VALUE);
          return true;
        });
  }

  /** Successes per second of {@code attempt} run by {@code workers} threads on one key. */
  private static double contended(
      Store s, int workers, int seconds, java.util.function.BooleanSupplier attempt)
      throws InterruptedException {
    s.put("cas", VALUE);
    AtomicLong ok = new AtomicLong();
    long t0 = System.nanoTime();
    long end = t0 + seconds * 1_000_000_000L;
    Thread[] threads = new Thread[workers];
    for (int i = 0; i < workers; i++) {
      threads[i] =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  if (attempt.getAsBoolean()) {
                    ok.incrementAndGet();
                  }
                }
              });
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return ok.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static double runGo(String binary, String endpoint, String mode) throws Exception {
    return Timing.goRate(binary, endpoint, mode, Integer.toString(SECONDS));
  }
}
