package io.libkv.bench;

import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.Watch;
import io.libkv.testkit.servers.EtcdServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * 10,000 key watches on one etcd store (targets: a bounded number of gRPC watch streams, and less
 * than 200 MB of heap): the heap they take after a full GC, the watch streams and watchers etcd
 * itself counts (its {@code /metrics}), and one change to each of 1,000 watched keys delivered.
 *
 * <p>{@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.EtcdWatchScale [watches]}
 */
public final class EtcdWatchScale {
  private EtcdWatchScale() {}

  private static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String metric(String endpoint, String name) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    for (String line : r.body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return "?";
  }

  /** Runs it; argument: the number of watches (default 10,000). */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    try (EtcdServer server = EtcdServer.start();
        Store store = LibKV.open("etcd://" + server.endpoint() + "/scale")) {
      store.put("warm", "x".getBytes(StandardCharsets.UTF_8));
      long before = usedHeap();
      List<Watch<KeyEvent>> watches = new ArrayList<>(n);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        watches.add(store.watch("keys/k" + i));
      }
      for (Watch<KeyEvent> w : watches) {
        w.take(); // the initial ABSENT
      }
      long openMs = (System.nanoTime() - t0) / 1_000_000;
      long after = usedHeap();
      String streams = metric(server.endpoint(), "etcd_debugging_mvcc_watch_stream_total");
      String watchers = metric(server.endpoint(), "etcd_debugging_mvcc_watcher_total");
      int changed = Math.min(n, 1000);
      long t1 = System.nanoTime();
      for (int i = 0; i < changed; i++) {
        store.put("keys/k" + i, "v".getBytes(StandardCharsets.UTF_8));
      }
      for (int i = 0; i < changed; i++) {
        KeyEvent e =
            watches
                .get(i)
                .poll(Duration.ofSeconds(30))
                .orElseThrow(() -> new IllegalStateException("a watch missed its change"));
        if (e.type() != EventType.PUT) {
          throw new IllegalStateException("unexpected " + e);
        }
      }
      long deliverMs = (System.nanoTime() - t1) / 1_000_000;
      System.out.printf(
          Locale.ROOT,
          "%,d key watches on one store: opened in %,d ms, heap +%.1f MB (%.0f bytes each)%n",
          n,
          openMs,
          (after - before) / 1e6,
          (after - before) / (double) n);
      System.out.printf(
          Locale.ROOT,
          "etcd counts %s watch stream(s) and %s watcher(s) for this client%n",
          streams,
          watchers);
      System.out.printf(
          Locale.ROOT, "%,d puts, each delivered to its watch: %,d ms%n", changed, deliverMs);
      for (Watch<KeyEvent> w : watches) {
        w.close();
      }
    }
  }
}
