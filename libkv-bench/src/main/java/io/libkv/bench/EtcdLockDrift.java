package io.libkv.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.Store;
import io.libkv.testkit.servers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Lock cycles as a request handler writes them, {@code store.newLock(k).lock()} then close, a new
 * {@code Lock} every time, on one etcd that is never compacted: the rate of each block of cycles,
 * so a cost that grows with the cycles done shows as a falling rate. The raw jetcd Lock service
 * (lock and unlock on one long lease) runs the same number of cycles after it on the same server,
 * for scale.
 *
 * <p>{@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.EtcdLockDrift [cycles, default 100000] [block, default 10000]}
 */
public final class EtcdLockDrift {
  private EtcdLockDrift() {}

  /** Runs it; prints cycles/s per block, then the first and last block's ratio. */
  public static void main(String[] args) throws Exception {
    int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int block = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    try (EtcdServer server = EtcdServer.start();
        Store store = LibKV.open("etcd://" + server.endpoint() + "/drift");
        Client raw = Client.builder().endpoints("http://" + server.endpoint()).build()) {
      // JVM warm-up on another key, so the measured key's history starts empty
      for (int i = 0; i < 2_000; i++) {
        try (LockLease l = store.newLock("warm").lock()) {
          l.checkHeld();
        }
      }
      double first = 0;
      double last = 0;
      for (int done = 0; done < cycles; done += block) {
        long t0 = System.nanoTime();
        for (int i = 0; i < block; i++) {
          try (LockLease l = store.newLock("job").lock()) {
            l.checkHeld();
          }
        }
        double rate = block / ((System.nanoTime() - t0) / 1e9);
        if (done == 0) {
          first = rate;
        }
        last = rate;
        System.out.printf(
            Locale.ROOT,
            "libkv new Lock per cycle, cycles %7d-%7d: %8.0f/s%n",
            done,
            done + block,
            rate);
      }
      System.out.printf(Locale.ROOT, "last block / first block: %.2f (flat: 1.00)%n", last / first);
      // a lease that outlives the raw run, so no keep-alive is needed
      long lease = raw.getLeaseClient().grant(3_600).get(10, TimeUnit.SECONDS).getID();
      ByteSequence name = ByteSequence.from("raw/job", StandardCharsets.UTF_8);
      long t0 = System.nanoTime();
      for (int i = 0; i < block; i++) {
        var held = raw.getLockClient().lock(name, lease).get(10, TimeUnit.SECONDS);
        raw.getLockClient().unlock(held.getKey()).get(10, TimeUnit.SECONDS);
      }
      System.out.printf(
          Locale.ROOT,
          "raw jetcd Lock service, %d cycles: %8.0f/s%n",
          block,
          block / ((System.nanoTime() - t0) / 1e9));
    }
  }
}
