package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.RedisSentinelGroup;
import io.libkv.testkit.servers.RedisServer;
import io.libkv.testkit.servers.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults of real Redis processes under load: a Sentinel failover, a watcher cut off while keys
 * change and expire, a lock holder whose traffic stops past its TTL, and a server killed mid-call.
 * Each prints its measured figures, one line each.
 */
@Tag("slow")
@DisplayName("Redis faults")
class RedisFaultTest {
  private static final Duration LOCK_TTL = Duration.ofSeconds(2);
  private static final Duration EXPIRY = Duration.ofMillis(300);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Nested
  @DisplayName("Sentinel failover under writes")
  class SentinelFailover {
    @Test
    @DisplayName(
        "default options: writes resume on the new primary, refused writes are absent, and the"
            + " watch converges to what a fresh read shows; acknowledged writes may be lost")
    void defaultOptions() throws Exception {
      // Redis replicates asynchronously: loss of acknowledged writes is measured, not excluded
      failover("", "default");
    }

    @Test
    @DisplayName(
        "waitReplicas=1: every acknowledged write is found on the promoted replica after the"
            + " failover")
    void waitForOneReplica() throws Exception {
      assertThat(failover("&waitReplicas=1&waitTimeout=500ms", "waitReplicas=1").lost)
          .as("acknowledged writes missing after the failover")
          .isEmpty();
    }

    private Run failover(String params, String label) throws Exception {
      boolean waiting = !params.isEmpty();
      // with WAIT, writes resume once the killed server is back as a replica: Sentinel reconfigures
      // a returning primary some seconds after it answers
      long resumeBound = (waiting ? 60 : 30) * SECOND;
      AtomicReference<Throwable> restartFailure = new AtomicReference<>();
      try (RedisSentinelGroup g = RedisSentinelGroup.start()) {
        String uri =
            "redis://"
                + String.join(",", g.sentinelAddresses())
                + "?sentinel="
                + g.masterName()
                + "&timeout=5s"
                + params;
        Run r = new Run();
        try (Store writer = LibKV.open(uri);
            Store watching = LibKV.open(uri);
            Recorder rec = new Recorder(watching, "w", WatchOptions.DEFAULT)) {
          rec.awaitEvents(1);
          long start = System.nanoTime();
          long killAt = -1;
          long firstAfter = -1;
          int ackedAfter = 0;
          RedisServer killed = null;
          Thread restarter = null;
          for (int i = 0; i < 200_000; i++) {
            long now = System.nanoTime();
            if (killAt < 0 && now - start >= SECOND) {
              killed = g.killPrimary();
              killAt = System.nanoTime();
            }
            if (killAt > 0 && (now - killAt > resumeBound || ackedAfter >= 200)) {
              break;
            }
            if (waiting && killAt > 0 && restarter == null && firstAfter < 0) {
              // a write waiting for a replica needs one: the killed primary returns as one
              RedisServer k = killed;
              restarter =
                  new Thread(
                      () -> {
                        try {
                          g.awaitFailover(Duration.ofSeconds(30));
                          g.restart(k);
                        } catch (RuntimeException e) {
                          restartFailure.set(e);
                        }
                      },
                      "restart former primary");
              restarter.setDaemon(true);
              restarter.start();
            }
            String k = "w/" + i;
            long t0 = System.nanoTime();
            try {
              writer.put(k, ("v" + i).getBytes(UTF_8));
              long t1 = System.nanoTime();
              r.acked.add(k);
              if (killAt < 0) {
                r.latencies.add(t1 - t0);
              } else {
                if (firstAfter < 0) {
                  firstAfter = t1;
                }
                ackedAfter++;
              }
            } catch (UnknownOutcomeException e) {
              r.unknown.add(k);
            } catch (StoreUnavailableException e) {
              r.refused.add(k);
              Thread.sleep(20);
            }
          }
          if (restarter != null) {
            restarter.join(TimeUnit.SECONDS.toMillis(100));
          }
          assertThat(killAt).as("primary killed").isPositive();
          assertThat(r.latencies).as("puts acknowledged before the kill").hasSizeGreaterThan(50);
          assertThat(firstAfter)
              .as(
                  "a write acknowledged by the new primary within %d s of the kill (restart: %s)",
                  resumeBound / SECOND, restartFailure.get())
              .isPositive();
          r.resumeMillis = (firstAfter - killAt) / 1_000_000;

          Map<String, String> truth;
          try (Store fresh = LibKV.open(uri)) {
            truth = state(fresh, "w");
          }
          for (String k : r.acked) {
            if (!truth.containsKey(k)) {
              r.lost.add(k);
            }
          }
          int unknownFound = 0;
          for (String k : r.unknown) {
            unknownFound += truth.containsKey(k) ? 1 : 0;
          }
          List<String> refusedFound = new ArrayList<>();
          for (String k : r.refused) {
            if (truth.containsKey(k)) {
              refusedFound.add(k);
            }
          }
          Map<String, String> watched = rec.awaitState(truth, Duration.ofSeconds(15));
          List<Long> lat = new ArrayList<>(r.latencies);
          Collections.sort(lat);
          System.out.println(
              "redis sentinel failover ("
                  + label
                  + "): acknowledged "
                  + r.acked.size()
                  + ", found "
                  + (r.acked.size() - r.lost.size())
                  + ", lost "
                  + r.lost.size()
                  + ", unknown "
                  + r.unknown.size()
                  + " (found "
                  + unknownFound
                  + "), refused "
                  + r.refused.size()
                  + ", kill to first acknowledged write "
                  + r.resumeMillis
                  + " ms, watch restarted with "
                  + rec.restarts());
          System.out.println(
              "redis sentinel put latency before the kill ("
                  + label
                  + "): median "
                  + micros(percentile(lat, 50))
                  + " us, p99 "
                  + micros(percentile(lat, 99))
                  + " us over "
                  + lat.size()
                  + " puts");
          assertThat(refusedFound)
              .as("writes refused before sending (StoreUnavailableException) found applied")
              .isEmpty();
          assertThat(watched)
              .as("the watch's last state, after the failover, against a fresh read")
              .isEqualTo(truth);
          rec.assertIndexesNeverGoBackwards();
        }
        return r;
      }
    }
  }

  @Nested
  @DisplayName("A failover that lost writes a watch had delivered")
  class LostHistory {
    /**
     * What a failover does, step by step and so without timing luck: the replica that is promoted
     * stopped receiving at index 3, the primary acknowledged 4 and 5 and the watch delivered them,
     * then the old primary takes the promoted replica's data and serves it, and new writes take
     * indexes 4 to 6 before the watch reconnects: the store's index is above the one delivered, and
     * the entry after it is there, yet the history the watch delivered is gone.
     */
    @Test
    @DisplayName(
        "new writes past the lost ones before the watch reconnects: the watch restarts (RESET) and"
            + " shows what a fresh read shows")
    void watchDoesNotDiverge() throws Exception {
      try (RedisServer primary = RedisServer.start();
          RedisServer replica = RedisServer.start(new RedisServer.Options().replicaOf(primary));
          TcpProxy proxy = TcpProxy.to(primary.port())) {
        replica.awaitReplicationLink(Duration.ofSeconds(30));
        try (Store writer = LibKV.open("redis://" + primary.address() + "/h");
            Store watching = LibKV.open("redis://" + proxy.address() + "/h");
            Recorder rec = new Recorder(watching, "d", WatchOptions.DEFAULT)) {
          rec.awaitEvents(1);
          for (int i = 1; i <= 3; i++) {
            writer.put("d/" + i, bytes("old"));
          }
          awaitReplicated(primary, replica);
          replica.cli("REPLICAOF", "NO", "ONE");
          writer.put("d/4", bytes("lost"));
          writer.put("d/5", bytes("lost"));
          assertThat(rec.awaitState(state(writer, "d"), Duration.ofSeconds(5)))
              .as("delivered before the failover")
              .containsKeys("d/4", "d/5");
          proxy.cut();
          primary.cli("REPLICAOF", "127.0.0.1", Integer.toString(replica.port()));
          primary.awaitReplicationLink(Duration.ofSeconds(30));
          primary.cli("REPLICAOF", "NO", "ONE");
          for (String k : List.of("d/a", "d/b", "d/c")) {
            writer.put(k, bytes("new"));
          }
          proxy.restore();
          Map<String, String> truth = state(writer, "d");
          Map<String, String> watched = rec.awaitState(truth, Duration.ofSeconds(5));
          System.out.println(
              "redis lost history: watch restarts " + rec.restarts() + ", last state " + watched);
          assertThat(truth.keySet()).containsExactly("d/1", "d/2", "d/3", "d/a", "d/b", "d/c");
          assertThat(watched).as("the watch's last state against a fresh read").isEqualTo(truth);
          assertThat(rec.restarts()).as("watch restarts").contains(EventType.RESET);
          rec.assertIndexesNeverGoBackwards();
        }
      }
    }

    private void awaitReplicated(RedisServer primary, RedisServer replica)
        throws InterruptedException {
      long deadline = System.nanoTime() + 10 * SECOND;
      String want = primary.info("replication").get("master_repl_offset");
      while (!want.equals(replica.info("replication").get("slave_repl_offset"))) {
        assertThat(System.nanoTime()).as("replica caught up in time").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  @Nested
  @DisplayName("A watcher cut off while keys change and expire")
  class WatcherCutOff {
    @Test
    @DisplayName(
        "default stream length: after the cut the watch catches up with every change, expired"
            + " keys deleted, without RESYNC")
    void catchesUp() throws Exception {
      cutOff("", 0, false);
    }

    @Test
    @DisplayName(
        "streamLength=5 and more changes during the cut: RESYNC, then the state a fresh read"
            + " shows")
    void resyncsPastTheStream() throws Exception {
      cutOff("?streamLength=5", 10, true);
    }

    private void cutOff(String params, int extra, boolean trimmed) throws Exception {
      try (RedisServer server = RedisServer.start();
          TcpProxy proxy = TcpProxy.to(server.port())) {
        String direct = "redis://" + server.address() + "/cut" + params;
        try (Store writer = LibKV.open(direct);
            Store watching = LibKV.open("redis://" + proxy.address() + "/cut" + params)) {
          writer.put("d/keep", bytes("k"));
          writer.put("d/old", bytes("o"));
          try (Recorder rec = new Recorder(watching, "d", WatchOptions.DEFAULT)) {
            rec.awaitEvents(1);
            proxy.cut();
            long cutAt = System.nanoTime();
            writer.put("d/a", bytes("a"));
            writer.put("d/b", bytes("b"));
            writer.delete("d/a");
            writer.delete("d/old");
            writer.put("d/x", bytes("x"), WriteOptions.expiring(EXPIRY));
            writer.put("d/y", bytes("y"), WriteOptions.expiring(EXPIRY));
            try (Store owner = LibKV.open(direct)) {
              owner.put("d/e", bytes("e"), WriteOptions.ephemeral(Duration.ofSeconds(1)));
              owner.put("d/f", bytes("f"), WriteOptions.ephemeral(Duration.ofSeconds(1)));
            }
            for (int i = 0; i < extra; i++) {
              writer.put("d/n" + i, bytes("n" + i));
            }
            sleepUntil(cutAt + 3 * SECOND);
            // expires while the watcher reconnects
            writer.put("d/late", bytes("l"), WriteOptions.expiring(EXPIRY));
            long lateAt = System.nanoTime();
            proxy.restore();
            long restoredAt = System.nanoTime();

            long lateDeleted = rec.awaitDelete("d/late", Duration.ofSeconds(10));
            Map<String, String> truth = state(writer, "d");
            Map<String, String> watched = rec.awaitState(truth, Duration.ofSeconds(5));
            long expiredSeen = trimmed ? -1 : rec.awaitDelete("d/x", Duration.ofSeconds(1));
            System.out.println(
                "redis watcher cut off 3 s ("
                    + (trimmed
                        ? "streamLength=5, " + (9 + extra)
                        : "default stream, " + (9 + extra))
                    + " changes): DELETE of a key expiring "
                    + EXPIRY.toMillis()
                    + " ms after its put at the restore came "
                    + (lateDeleted - lateAt) / 1_000_000
                    + " ms after the put"
                    + (trimmed
                        ? ""
                        : ", DELETE of a key expired during the cut "
                            + (expiredSeen - restoredAt) / 1_000_000
                            + " ms after the restore")
                    + ", restarts "
                    + rec.restarts());
            Set<String> expected = new TreeSet<>(List.of("d/keep", "d/b"));
            for (int i = 0; i < extra; i++) {
              expected.add("d/n" + i);
            }
            assertThat(truth.keySet()).as("a fresh read").isEqualTo(expected);
            assertThat(watched).as("the watch's last state against a fresh read").isEqualTo(truth);
            assertThat(lateDeleted - lateAt)
                .as("DELETE of d/late within TTL + 1 s of its put, reconnect included")
                .isLessThanOrEqualTo(EXPIRY.toNanos() + SECOND);
            if (trimmed) {
              assertThat(rec.restarts()).as("watch restarts").contains(EventType.RESYNC);
            } else {
              assertThat(rec.restarts()).as("watch restarts").isEmpty();
              assertThat(expiredSeen - restoredAt)
                  .as("DELETE of d/x (expired during the cut) within 1 s of the restore")
                  .isLessThanOrEqualTo(SECOND);
            }
            rec.assertIndexesNeverGoBackwards();
          }
        }
      }
    }
  }

  @Nested
  @DisplayName("A lock holder whose traffic stops past the lock's TTL")
  class HungHolder {
    @Test
    @DisplayName(
        "another store acquires within TTL + 1 s, the holder knows it lost the lock by then + 1"
            + " s, and fencing tokens increase")
    void anotherAcquires() throws Exception {
      try (RedisServer server = RedisServer.start();
          TcpProxy proxy = TcpProxy.to(server.port())) {
        try (Store holding = LibKV.open("redis://" + proxy.address() + "?timeout=3s");
            Store other = LibKV.open("redis://" + server.address())) {
          LockOptions o = LockOptions.builder().ttl(LOCK_TTL).build();
          LockLease first = holding.newLock("locks/job", o).lock();
          AtomicLong lostAt = new AtomicLong();
          first.lost().whenComplete((v, e) -> lostAt.set(System.nanoTime()));
          proxy.hang(true);
          long hungAt = System.nanoTime();
          Optional<LockLease> second;
          long acquiredAt;
          try {
            second = other.newLock("locks/job", o).tryLock(Duration.ofSeconds(10));
            acquiredAt = System.nanoTime();
            first.lost().get(acquiredAt + SECOND - System.nanoTime(), TimeUnit.NANOSECONDS);
          } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the holder's lost() did not complete within 1 s", e);
          } finally {
            proxy.hang(false);
          }
          assertThat(second).as("the other store's lock").isPresent();
          System.out.println(
              "redis lock holder hung (TTL "
                  + LOCK_TTL.toMillis()
                  + " ms): other acquired "
                  + (acquiredAt - hungAt) / 1_000_000
                  + " ms after the hang, holder's lost() "
                  + (lostAt.get() - hungAt) / 1_000_000
                  + " ms after the hang");
          assertThat(acquiredAt - hungAt)
              .as("acquired within TTL + 1 s of the hang")
              .isLessThanOrEqualTo(LOCK_TTL.toNanos() + SECOND);
          assertThat(first.isHeld()).as("holder's isHeld()").isFalse();
          assertThat(lostAt.get() - acquiredAt)
              .as("holder's lost() no later than the other's acquisition + 1 s")
              .isLessThanOrEqualTo(SECOND);
          assertThat(second.get().fencingToken())
              .as("fencing token")
              .isGreaterThan(first.fencingToken());
          second.get().close();
        }
      }
    }
  }

  @Nested
  @DisplayName("The server killed mid-call")
  class KilledServer {
    @Test
    @DisplayName(
        "every put returned (and is found) or raised UnknownOutcome/StoreUnavailable; calls"
            + " succeed within the timeout of the restart; the watch reconnects and converges")
    void killedAndRestarted() throws Exception {
      Duration timeout = Duration.ofSeconds(3);
      try (RedisServer server = RedisServer.start(new RedisServer.Options().appendOnly(true))) {
        String uri = "redis://" + server.address() + "?timeout=3s&connectTimeout=3s";
        try (Store writer = LibKV.open(uri);
            Store watching = LibKV.open(uri);
            Recorder rec = new Recorder(watching, "k", WatchOptions.DEFAULT)) {
          List<ConnectionState> states = new CopyOnWriteArrayList<>();
          watching.onConnectionStateChange(states::add, Runnable::run);
          rec.awaitEvents(1);
          Set<String> acked = Collections.synchronizedSet(new TreeSet<>());
          Set<String> unknown = Collections.synchronizedSet(new TreeSet<>());
          Set<String> refused = Collections.synchronizedSet(new TreeSet<>());
          List<Throwable> other = new CopyOnWriteArrayList<>();
          AtomicLong readyAt = new AtomicLong();
          AtomicLong firstAfter = new AtomicLong();
          CompletableFuture<Void> writes =
              CompletableFuture.runAsync(
                  () -> {
                    long end = System.nanoTime() + 40 * SECOND;
                    int after = 0;
                    for (int i = 0; i < 100_000 && System.nanoTime() < end && after < 100; i++) {
                      String k = "k/" + i;
                      try {
                        writer.put(k, bytes("v" + i));
                        acked.add(k);
                        long r = readyAt.get();
                        if (r != 0) {
                          firstAfter.compareAndSet(0, System.nanoTime());
                          after++;
                        }
                      } catch (UnknownOutcomeException e) {
                        unknown.add(k);
                      } catch (StoreUnavailableException e) {
                        refused.add(k);
                        pause(20);
                      } catch (RuntimeException e) {
                        other.add(e);
                        pause(20);
                      }
                    }
                  });
          Thread.sleep(700);
          server.kill();
          Thread.sleep(500);
          server.restart();
          readyAt.set(System.nanoTime());
          writes.get(60, TimeUnit.SECONDS);
          assertThat(other).as("other failures of puts").isEmpty();
          assertThat(firstAfter.get()).as("a put acknowledged after the restart").isPositive();
          Map<String, String> truth = state(writer, "k");
          Map<String, String> watched = rec.awaitState(truth, Duration.ofSeconds(10));
          System.out.println(
              "redis server killed mid-call: acknowledged "
                  + acked.size()
                  + ", unknown "
                  + unknown.size()
                  + ", refused "
                  + refused.size()
                  + ", first put acknowledged "
                  + (firstAfter.get() - readyAt.get()) / 1_000_000
                  + " ms after the restarted server answered, watcher states "
                  + states);
          assertThat(truth.keySet()).as("acknowledged puts found").containsAll(acked);
          Set<String> refusedFound = new TreeSet<>(refused);
          refusedFound.retainAll(truth.keySet());
          assertThat(refusedFound).as("refused puts found applied").isEmpty();
          assertThat(firstAfter.get() - readyAt.get())
              .as("first put acknowledged within the operation timeout of the restart")
              .isLessThanOrEqualTo(timeout.toNanos());
          assertThat(states)
              .as("watcher's connection states")
              .contains(ConnectionState.RECONNECTED);
          assertThat(watched).as("the watch's last state against a fresh read").isEqualTo(truth);
          assertThat(rec.restarts()).as("watch restarts (the counter survives)").isEmpty();
          rec.assertIndexesNeverGoBackwards();
        }
      }
    }
  }

  /** Outcomes of a failover run. */
  private static final class Run {
    final List<String> acked = new ArrayList<>();
    final List<String> unknown = new ArrayList<>();
    final List<String> refused = new ArrayList<>();
    final List<String> lost = new ArrayList<>();
    final List<Long> latencies = new ArrayList<>();
    long resumeMillis;
  }

  /** Takes every event of a tree watch on a thread of its own. */
  private static final class Recorder implements AutoCloseable {
    private final Watch<TreeEvent> watch;
    private final List<TreeEvent> events = new CopyOnWriteArrayList<>();
    private final Thread thread;

    Recorder(Store store, String dir, WatchOptions options) {
      this.watch = store.watchTree(dir, options);
      this.thread =
          new Thread(
              () -> {
                try {
                  while (watch.isOpen()) {
                    watch.poll(Duration.ofMillis(100)).ifPresent(events::add);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "recorder of " + dir);
      thread.setDaemon(true);
      thread.start();
    }

    void awaitEvents(int n) throws InterruptedException {
      long deadline = System.nanoTime() + 10 * SECOND;
      while (events.size() < n && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(events).as("watch events").hasSizeGreaterThanOrEqualTo(n);
    }

    Map<String, String> last() {
      if (events.isEmpty()) {
        return Map.of();
      }
      Map<String, String> m = new TreeMap<>();
      for (KVPair p : events.get(events.size() - 1).pairs()) {
        m.put(p.key(), p.valueAsString());
      }
      return m;
    }

    /** Waits at most {@code bound} for the last event to show {@code truth}; the last state. */
    Map<String, String> awaitState(Map<String, String> truth, Duration bound)
        throws InterruptedException {
      long deadline = System.nanoTime() + bound.toNanos();
      while (!last().equals(truth) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      return last();
    }

    /** Waits at most {@code bound} for a DELETE change of {@code key}; when it was received. */
    long awaitDelete(String key, Duration bound) throws InterruptedException {
      long deadline = System.nanoTime() + bound.toNanos();
      while (System.nanoTime() < deadline) {
        for (TreeEvent e : events) {
          for (TreeEvent.Change c : e.changes()) {
            if (c.key().equals(key) && c.type() == EventType.DELETE) {
              return e.receivedNanos();
            }
          }
        }
        Thread.sleep(20);
      }
      throw new AssertionError("no DELETE of " + key + " within " + bound + ": " + events);
    }

    /** The RESYNC and RESET events, in order. */
    List<EventType> restarts() {
      List<EventType> out = new ArrayList<>();
      for (TreeEvent e : events) {
        if (e.type() == EventType.RESYNC || e.type() == EventType.RESET) {
          out.add(e.type());
        }
      }
      return out;
    }

    /** Indexes never go backwards, except at a RESET (the history restarted). */
    void assertIndexesNeverGoBackwards() {
      long last = 0;
      for (TreeEvent e : events) {
        if (e.type() != EventType.RESET) {
          assertThat(e.index()).as("index of " + e + " after " + last).isGreaterThanOrEqualTo(last);
        }
        last = e.index();
      }
    }

    @Override
    public void close() {
      watch.close();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Map<String, String> state(Store s, String dir) {
    Map<String, String> m = new TreeMap<>();
    try {
      for (KVPair p : s.list(dir)) {
        m.put(p.key(), p.valueAsString());
      }
    } catch (KeyNotFoundException e) {
      // nothing below it
    }
    return m;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static long micros(long nanos) {
    return nanos / 1000;
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000 + 1);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
