package io.libkv.boltdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.Capabilities;
import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltOptions;
import io.libkv.boltdb.internal.BoltdbStore;
import io.libkv.testkit.servers.GoBoltFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Store.commit on a bbolt file, in both modes: one bolt write transaction per commit. */
class BoltdbTransactionTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Store open(String mode) {
    return LibKV.open("boltdb:" + dir.resolve(mode + ".db") + "?mode=" + mode);
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void putsAndDeletesUnderConditionsOnSeveralKeysCommitAtOneIndex(String mode) {
    try (Store s = open(mode)) {
      s.put("t/a", b("1"));
      s.put("t/b", b("2"));
      s.put("t/c", b("3"));
      KVPair a = s.get("t/a");
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifIndex(a)
                  .ifPresent("t/b")
                  .ifAbsent("t/n")
                  .put("/t/a/", b("10"))
                  .put("t/n", b("new"))
                  .delete("t/c")
                  .delete("t/never")
                  .build());
      assertThat(r.committed()).isTrue();
      assertThat(r.indexes()).containsOnlyKeys("t/a", "t/n");
      long index = r.index().orElseThrow();
      assertThat(r.indexes().values()).containsOnly(index);
      assertThat(index).isGreaterThan(a.lastIndex());
      assertThat(s.get("t/a").lastIndex()).isEqualTo(r.indexes().get("t/a"));
      assertThat(s.get("t/n").lastIndex()).isEqualTo(r.indexes().get("t/n"));
      assertThat(s.get("t/a").valueAsString()).isEqualTo("10");
      assertThat(s.exists("t/c")).isFalse();
      assertThat(s.get("t/b").valueAsString()).isEqualTo("2");
      // the next write's index follows the commit's
      s.put("t/z", b("z"));
      assertThat(s.get("t/z").lastIndex()).isGreaterThan(index);
    }
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void eachConditionKindFailsWithTheFirstFailingOneAndTheCurrentPairsAndNothingApplied(
      String mode) {
    try (Store s = open(mode)) {
      s.put("f/x", b("x"));
      s.put("f/y", b("y"));
      KVPair x = s.get("f/x");
      KVPair y = s.get("f/y");
      List<Transaction.Condition> failing =
          List.of(
              new Transaction.Absent("f/x"),
              new Transaction.Present("f/missing"),
              new Transaction.IndexEquals("f/y", y.lastIndex() + 100));
      for (Transaction.Condition c : failing) {
        TransactionResult r =
            s.commit(
                Transaction.builder()
                    .ifIndex(x)
                    .condition(c)
                    .put("f/w", b("w"))
                    .delete("f/x")
                    .build());
        assertThat(r.committed()).as("%s", c).isFalse();
        assertThat(r.failedCondition()).contains(c);
        assertThat(r.knowsCurrent()).isTrue();
        Map<String, KVPair> current = r.currentPairs();
        assertThat(current).containsKey("f/x");
        assertThat(current.get("f/x").lastIndex()).isEqualTo(x.lastIndex());
        assertThat(current).doesNotContainKey("f/missing");
        if (c.key().equals("f/y")) {
          assertThat(current.get("f/y").lastIndex()).isEqualTo(y.lastIndex());
          assertThat(current.get("f/y").valueAsString()).isEqualTo("y");
        }
        assertThat(s.exists("f/w")).isFalse();
        assertThat(s.get("f/x").lastIndex()).isEqualTo(x.lastIndex());
      }
      // several failing: the first in the transaction's order is named
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifPresent("f/x")
                  .ifIndex("f/y", y.lastIndex() + 1)
                  .ifAbsent("f/x")
                  .put("f/w", b("w"))
                  .build());
      assertThat(r.failedCondition())
          .contains(new Transaction.IndexEquals("f/y", y.lastIndex() + 1));
      assertThat(r.currentPairs()).containsOnlyKeys("f/x", "f/y");
      assertThat(s.exists("f/w")).isFalse();
      // compare-and-delete is IndexEquals + Delete
      TransactionResult cad = s.commit(Transaction.builder().compareAndDelete(y).build());
      assertThat(cad.committed()).isTrue();
      assertThat(cad.indexes()).isEmpty();
      assertThat(s.exists("f/y")).isFalse();
    }
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void aMultiKeyTransactionReachesTreeWatchesAsOneEvent(String mode) throws Exception {
    try (Store s = open(mode)) {
      s.put("w/old", b("o"));
      try (Watch<TreeEvent> t = s.watchTree("w")) {
        t.take(); // the current state
        TransactionResult r =
            s.commit(
                Transaction.builder()
                    .put("w/a", b("1"))
                    .put("w/b", b("2"))
                    .delete("w/old")
                    .build());
        long index = r.index().orElseThrow();
        TreeEvent e = t.poll(Duration.ofSeconds(10)).orElseThrow();
        assertThat(e.index()).isEqualTo(index);
        assertThat(e.changes().stream().map(TreeEvent.Change::key).collect(Collectors.toList()))
            .containsExactlyInAnyOrder("w/a", "w/b", "w/old");
        assertThat(e.pairs().stream().map(KVPair::key).collect(Collectors.toList()))
            .containsExactlyInAnyOrder("w/a", "w/b");
        assertThat(t.poll(Duration.ofMillis(300))).isEmpty();
      }
    }
  }

  @Test
  @Tag("slow")
  void anotherProcesssTransactionReachesASharedModeWatcherAsOneEvent() throws Exception {
    Path f = dir.resolve("other.db");
    try (Store s = LibKV.open("boltdb:" + f + "?mode=shared")) {
      s.put("w/old", b("o"));
      try (Watch<TreeEvent> t = s.watchTree("w")) {
        t.take();
        runChild("commit", f.toString());
        TreeEvent e = t.poll(Duration.ofSeconds(30)).orElseThrow();
        assertThat(e.type()).isNotIn(EventType.RESET, EventType.RESYNC);
        assertThat(e.changes().stream().map(TreeEvent.Change::key).collect(Collectors.toList()))
            .containsExactlyInAnyOrder("w/a", "w/b", "w/old");
        assertThat(e.index()).isEqualTo(s.get("w/a").lastIndex());
        assertThat(s.get("w/b").lastIndex()).isEqualTo(e.index());
        assertThat(t.poll(Duration.ofMillis(500))).isEmpty();
      }
    }
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void limitsAreTheFileFormatsOnlyAndABigTransactionCommits(String mode) {
    try (Store s = open(mode)) {
      Capabilities.TransactionLimits l = s.capabilities().transactionLimits();
      assertThat(l.maxConditions()).isEqualTo(Integer.MAX_VALUE);
      assertThat(l.maxOperations()).isEqualTo(Integer.MAX_VALUE);
      assertThat(l.maxSteps()).isEqualTo(Integer.MAX_VALUE);
      assertThat(l.maxBytes()).isEqualTo(0xFFFF_FFFF_FFFFL);
      assertThat(l.ephemeralPuts()).isTrue();
      assertThat(l.expiringPuts()).isTrue();
      Transaction.Builder big = Transaction.builder();
      for (int i = 0; i < 5_000; i++) {
        big.ifAbsent("big/" + i).put("big/" + i, new byte[200]);
      }
      TransactionResult r = s.commit(big.build());
      assertThat(r.committed()).isTrue();
      assertThat(s.list("big")).hasSize(5_000);
      assertThat(s.list("big").stream().map(KVPair::lastIndex).distinct())
          .containsExactly(r.index().orElseThrow());
    }
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void ttlPutsInsideATransactionBehaveAsOutsideOne(String mode) {
    Path f = dir.resolve("ttl-" + mode + ".db");
    String uri = "boltdb:" + f + "?mode=" + mode;
    Store keeper = LibKV.open(uri);
    try (Store other = LibKV.open(uri)) {
      TransactionResult r =
          keeper.commit(
              Transaction.builder()
                  .put("e/session", b("s"), WriteOptions.ephemeral(Duration.ofSeconds(1)))
                  .put("e/expiring", b("x"), WriteOptions.expiring(Duration.ofMillis(500)))
                  .put("e/plain", b("p"))
                  .build());
      assertThat(r.committed()).isTrue();
      // the expiring key goes after its TTL; the ephemeral one is kept alive past several TTLs
      await().atMost(Duration.ofSeconds(10)).until(() -> !other.exists("e/expiring"));
      sleep(2_500);
      assertThat(other.get("e/session").lastIndex()).isEqualTo(r.indexes().get("e/session"));
      // it goes with the store that put it, like any ephemeral key
      keeper.close();
      assertThat(other.exists("e/session")).isFalse();
      assertThat(other.get("e/plain").valueAsString()).isEqualTo("p");
    } finally {
      keeper.close();
    }
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void anEphemeralKeyPutByATransactionGoesWhenItsSessionEnds(String mode) {
    try (Store s = open(mode)) {
      s.commit(
          Transaction.builder()
              .ifAbsent("s/k")
              .put("s/k", b("v"), WriteOptions.ephemeral(Duration.ofSeconds(5)))
              .build());
      ((BoltdbStore) s).simulateSessionExpiry();
      assertThat(s.exists("s/k")).isFalse();
    }
  }

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void aStoreCutOffFromItsFileFailsUnavailableAndAppliesNothing(String mode) {
    try (Store s = open(mode)) {
      s.put("c/k", b("1"));
      BoltdbStore bs = (BoltdbStore) s;
      bs.simulateCutOff(true);
      assertThatThrownBy(() -> s.commit(Transaction.builder().put("c/k", b("2")).build()))
          .isInstanceOf(StoreUnavailableException.class);
      bs.simulateCutOff(false);
      assertThat(s.get("c/k").valueAsString()).isEqualTo("1");
    }
  }

  @Test
  @Tag("slow")
  void transfersRacingFromTwoStoresAndAnotherProcessKeepTheSum() throws Exception {
    Path f = dir.resolve("race.db");
    String uri = "boltdb:" + f + "?mode=shared";
    int each = 150;
    try (Store s1 = LibKV.open(uri);
        Store s2 = LibKV.open(uri)) {
      s1.putAll(Map.of("c/a", b("1000"), "c/b", b("1000")));
      // another process moves b to a, starting as it prints its first line
      Process child = startChild("transfer", f.toString(), Integer.toString(each));
      java.io.BufferedReader lines =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(lines.readLine()).isEqualTo("READY");
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<Integer> t1 =
            pool.submit(() -> TransactionWriterMain.transfer(s1, each, "c/a", "c/b"));
        Future<Integer> t2 =
            pool.submit(() -> TransactionWriterMain.transfer(s2, each, "c/a", "c/b"));
        int failed = t1.get(120, TimeUnit.SECONDS) + t2.get(120, TimeUnit.SECONDS);
        String childFailed = lines.readLine();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        long a = Long.parseLong(s1.get("c/a").valueAsString());
        long bv = Long.parseLong(s1.get("c/b").valueAsString());
        assertThat(a + bv).isEqualTo(2000);
        // the two stores moved a to b each time, the child b to a
        assertThat(a).isEqualTo(1000 - 2L * each + each);
        System.out.println(
            "failed commits (retried from their current pairs): this JVM "
                + failed
                + ", child "
                + childFailed);
      } finally {
        pool.shutdownNow();
        child.destroyForcibly();
      }
    }
    try (BoltDB db = BoltDB.open(f, BoltOptions.builder().readOnly(true).build())) {
      assertThat(db.check()).isEmpty();
    }
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void goBboltChecksAFileWrittenByTransactions() throws Exception {
    Path f = dir.resolve("go.db");
    try (Store s = LibKV.open("boltdb:" + f)) {
      for (int i = 0; i < 200; i++) {
        s.commit(
            Transaction.builder()
                .ifAbsent("g/" + i)
                .put("g/" + i, new byte[i * 50])
                .put("g/last", b(Integer.toString(i)))
                .delete("g/" + (i - 3))
                .build());
      }
    }
    Process p =
        new ProcessBuilder(System.getProperty(GoBoltFixtures.PROPERTY), "check", f.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).isEqualTo("OK\n");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String runChild(String... args) throws IOException, InterruptedException {
    Process p = startChild(args);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child did not finish within 120 s");
    }
    assertThat(p.exitValue()).as("child exit, output %s", out).isZero();
    return out;
  }

  private static Process startChild(String... args) throws IOException {
    return JavaChild.start(TransactionWriterMain.class, args);
  }
}
