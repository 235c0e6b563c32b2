package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.libkv.Capabilities;
import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyNotFoundException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TransactionTooLargeException;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.etcd.internal.EtcdStore;
import io.libkv.testkit.servers.EtcdServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Store.commit on a real etcd: one Txn with the conditions as compares, the operations as its
 * success branch and reads of the compared keys as its failure branch.
 */
class EtcdTransactionTest {
  private static final Pattern LEASE_ID = Pattern.compile("\"ID\":\"?(-?\\d+)");
  private static EtcdServer server;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Store open(TestInfo info) {
    return LibKV.open(
        "etcd://"
            + server.endpoint()
            + "/tx-"
            + info.getTestMethod().orElseThrow().getName()
            + "?timeout=5s");
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  /** Every lease etcd holds, from its JSON gateway (jetcd has no call for the list). */
  private static Set<Long> serverLeases() throws Exception {
    HttpURLConnection c =
        (HttpURLConnection)
            URI.create(server.clientUrl() + "/v3/lease/leases").toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    try (OutputStream out = c.getOutputStream()) {
      out.write(b("{}"));
    }
    String body;
    try (InputStream in = c.getInputStream()) {
      body = new String(in.readAllBytes(), UTF_8);
    } finally {
      c.disconnect();
    }
    assertThat(body).contains("header");
    Set<Long> ids = new TreeSet<>();
    Matcher m = LEASE_ID.matcher(body);
    while (m.find()) {
      ids.add(Long.parseLong(m.group(1)));
    }
    return ids;
  }

  @Test
  void putsAndDeletesUnderConditionsOnSeveralKeysCommitAtOneIndex(TestInfo info) {
    try (Store s = open(info)) {
      KVPair a = s.atomicCreate("a", b("a0"), WriteOptions.DEFAULT);
      s.put("b", b("b0"));
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifIndex(a)
                  .ifPresent("b")
                  .ifAbsent("c")
                  .put("a", b("a1"))
                  .put("c", b("c1"))
                  .delete("b")
                  .delete("never-there")
                  .build());
      assertThat(r.committed()).isTrue();
      long index = r.index().orElseThrow();
      assertThat(r.indexes()).containsOnlyKeys("a", "c").containsValues(index);
      assertThat(s.get("a").lastIndex()).isEqualTo(r.indexes().get("a"));
      assertThat(s.get("a").valueAsString()).isEqualTo("a1");
      assertThat(s.get("c").lastIndex()).isEqualTo(r.indexes().get("c"));
      assertThat(s.exists("b")).isFalse();
      assertThat(index).isGreaterThan(a.lastIndex());
    }
  }

  @Test
  void eachConditionKindThatFailsIsNamedWithTheCurrentPairsAndNothingApplies(TestInfo info) {
    try (Store s = open(info)) {
      KVPair a = s.atomicCreate("a", b("a0"), WriteOptions.DEFAULT);
      KVPair moved = s.atomicPut("a", b("a1"), a, WriteOptions.DEFAULT);
      s.put("b", b("b0"));
      List<Transaction.Condition> failing =
          List.of(
              new Transaction.Absent("b"),
              new Transaction.Present("missing"),
              new Transaction.IndexEquals("a", a.lastIndex()),
              new Transaction.IndexEquals("missing", 5));
      for (Transaction.Condition c : failing) {
        TransactionResult r =
            s.commit(
                Transaction.builder()
                    .ifPresent("b")
                    .condition(c)
                    .put("x", b("x"))
                    .delete("b")
                    .build());
        assertThat(r.committed()).as("%s", c).isFalse();
        assertThat(r.failedCondition()).as("%s", c).contains(c);
        assertThat(r.knowsCurrent()).isTrue();
        assertThat(r.current("b").orElseThrow().valueAsString()).isEqualTo("b0");
        assertThat(r.current("missing")).isEmpty();
        if (c.key().equals("a")) {
          assertThat(r.currentPairs()).containsOnlyKeys("a", "b");
          assertThat(r.current("a").orElseThrow().lastIndex()).isEqualTo(moved.lastIndex());
        }
      }
      assertThat(s.exists("x")).isFalse();
      assertThat(s.get("b").valueAsString()).isEqualTo("b0");
    }
  }

  @Test
  void theFirstFailingConditionInOrderIsTheOneReported(TestInfo info) {
    try (Store s = open(info)) {
      KVPair a = s.atomicCreate("a", b("a0"), WriteOptions.DEFAULT);
      s.put("a", b("a1"));
      s.put("b", b("b0"));
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifPresent("b")
                  .ifIndex("a", a.lastIndex())
                  .ifAbsent("b")
                  .ifPresent("nothing")
                  .put("a", b("a2"))
                  .build());
      assertThat(r.failedCondition()).contains(new Transaction.IndexEquals("a", a.lastIndex()));
      assertThat(s.get("a").valueAsString()).isEqualTo("a1");
      TransactionResult later =
          s.commit(
              Transaction.builder()
                  .ifPresent("nothing")
                  .ifIndex("a", a.lastIndex())
                  .put("a", b("a2"))
                  .build());
      assertThat(later.failedCondition()).contains(new Transaction.Present("nothing"));
    }
  }

  @Test
  void aMultiKeyTransactionIsOneTreeEventAndEachKeyWatchSeesItsChange(TestInfo info)
      throws InterruptedException {
    try (Store s = open(info)) {
      s.put("d/old", b("o"));
      try (Watch<TreeEvent> tree = s.watchTree("d");
          Watch<KeyEvent> key = s.watch("d/one")) {
        assertThat(tree.poll(Duration.ofSeconds(5)).orElseThrow().pairs()).hasSize(1);
        assertThat(key.poll(Duration.ofSeconds(5)).orElseThrow().type())
            .isEqualTo(EventType.ABSENT);
        TransactionResult r =
            s.commit(
                Transaction.builder()
                    .ifAbsent("d/one")
                    .put("d/one", b("1"))
                    .put("d/two", b("2"))
                    .delete("d/old")
                    .build());
        long index = r.index().orElseThrow();
        TreeEvent e = tree.poll(Duration.ofSeconds(5)).orElseThrow();
        assertThat(e.index()).isEqualTo(index);
        assertThat(e.changes())
            .extracting(TreeEvent.Change::key)
            .containsExactlyInAnyOrder("d/one", "d/two", "d/old");
        assertThat(e.pairs()).extracting(KVPair::key).containsExactly("d/one", "d/two");
        assertThat(tree.poll(Duration.ofMillis(300))).as("no second event").isEmpty();
        KeyEvent k = key.poll(Duration.ofSeconds(5)).orElseThrow();
        assertThat(k.type()).isEqualTo(EventType.PUT);
        assertThat(k.pair().orElseThrow().lastIndex()).isEqualTo(r.indexes().get("d/one"));
      }
    }
  }

  @Test
  void limitsAreEtcdDefaultsAndATransactionExactlyAtThemCommits(TestInfo info) {
    try (Store s = open(info)) {
      Capabilities.TransactionLimits l = s.capabilities().transactionLimits();
      assertThat(l.maxConditions()).isEqualTo(128);
      assertThat(l.maxOperations()).isEqualTo(128);
      assertThat(l.maxSteps()).isEqualTo(256);
      assertThat(l.ephemeralPuts()).isTrue();
      assertThat(l.expiringPuts()).isTrue();
      // every step, and the keys and values fill the byte limit exactly
      Transaction full = atLimit(l, 0, "");
      TransactionResult r = s.commit(full);
      assertThat(r.committed()).isTrue();
      assertThat(r.indexes()).hasSize(128);
      assertThat(s.get("p/127").value())
          .hasSize(((Transaction.Put) full.operations().get(127)).valueUnsafe().length);
      // the same at the limit, failing: the compared keys are read at the revision of the failure
      TransactionResult failed = s.commit(atLimit(l, 0, "x"));
      assertThat(failed.committed()).isFalse();
      assertThat(failed.failedCondition()).contains(new Transaction.Absent("p/000"));
      assertThat(failed.knowsCurrent()).as("no room for the reads in the request").isFalse();
    }
  }

  @Test
  void aTransactionOverALimitThrowsBeforeSendingAndAppliesNothing(TestInfo info) {
    try (Store s = open(info)) {
      Capabilities.TransactionLimits l = s.capabilities().transactionLimits();
      Transaction.Builder ops = Transaction.builder();
      for (int i = 0; i <= 128; i++) {
        ops.put(String.format("o/%03d", i), b("v"));
      }
      assertThatExceptionOfType(TransactionTooLargeException.class)
          .isThrownBy(() -> s.commit(ops.build()))
          .satisfies(e -> assertThat(e.limitName()).isEqualTo("operations"))
          .satisfies(e -> assertThat(e.limit()).isEqualTo(128));
      Transaction.Builder conds = Transaction.builder().put("o/000", b("v"));
      for (int i = 0; i <= 128; i++) {
        conds.ifAbsent(String.format("c/%03d", i));
      }
      assertThatExceptionOfType(TransactionTooLargeException.class)
          .isThrownBy(() -> s.commit(conds.build()))
          .satisfies(e -> assertThat(e.limitName()).isEqualTo("conditions"));
      assertThatExceptionOfType(TransactionTooLargeException.class)
          .isThrownBy(() -> s.commit(atLimit(l, 1, "")))
          .satisfies(e -> assertThat(e.limitName()).isEqualTo("bytes"))
          .satisfies(e -> assertThat(e.size()).isEqualTo(l.maxBytes() + 1));
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> s.list("o"));
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> s.list("p"));
    }
  }

  /**
   * 128 conditions (keys {@code c/NNN} absent, or {@code p/000} absent when {@code failing} is
   * non-empty, which fails once the first one committed) and 128 puts of {@code p/NNN} whose keys
   * and values come to the byte limit plus {@code over}.
   */
  private static Transaction atLimit(Capabilities.TransactionLimits l, long over, String failing) {
    Transaction.Builder t = Transaction.builder();
    long bytes = 0;
    for (int i = 0; i < 128; i++) {
      String c = failing.isEmpty() || i > 0 ? String.format("c/%03d%s", i, failing) : "p/000";
      t.ifAbsent(c);
      bytes += c.length();
    }
    for (int i = 0; i < 128; i++) {
      bytes += String.format("p/%03d", i).length();
    }
    long values = l.maxBytes() + over - bytes;
    for (int i = 0; i < 128; i++) {
      long size = values / 128 + (i < values % 128 ? 1 : 0);
      byte[] v = new byte[(int) size];
      Arrays.fill(v, (byte) 'v');
      t.put(String.format("p/%03d", i), v);
    }
    return t.build();
  }

  @Test
  void ttlPutsInsideATransactionExpireOrGoWithTheSession(TestInfo info) {
    try (Store other = open(info)) {
      Store s = open(info);
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifAbsent("eph")
                  .put("eph", b("e"), WriteOptions.ephemeral(Duration.ofSeconds(5)))
                  .put("exp", b("x"), WriteOptions.expiring(Duration.ofSeconds(2)))
                  .put("plain", b("p"))
                  .build());
      assertThat(r.committed()).isTrue();
      assertThat(other.get("eph").lastIndex()).isEqualTo(r.indexes().get("eph"));
      await()
          .atMost(Duration.ofSeconds(2 + 3))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !other.exists("exp"));
      assertThat(other.exists("eph")).as("kept alive by the session").isTrue();
      s.close();
      assertThat(other.exists("eph")).as("the session's lease is revoked on close").isFalse();
      assertThat(other.exists("plain")).isTrue();
    }
  }

  @Test
  void aLeaseGrantedForAnExpiringPutOfAFailedTransactionIsRevoked(TestInfo info) throws Exception {
    try (Store s = open(info)) {
      s.put("taken", b("t"));
      Set<Long> before = serverLeases();
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifAbsent("taken")
                  .put("exp", b("x"), WriteOptions.expiring(Duration.ofSeconds(60)))
                  .build());
      assertThat(r.committed()).isFalse();
      // revoked at once, not left to its 60 s TTL
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(() -> assertThat(serverLeases()).isEqualTo(before));
      TransactionResult ok =
          s.commit(
              Transaction.builder()
                  .ifPresent("taken")
                  .put("exp", b("x"), WriteOptions.expiring(Duration.ofSeconds(60)))
                  .build());
      assertThat(ok.committed()).isTrue();
      assertThat(serverLeases()).as("the commit's lease stays").hasSize(before.size() + 1);
    }
  }

  @Test
  void anEphemeralPutOnASessionLeaseEtcdNoLongerHasCommitsOnANewLease(TestInfo info)
      throws Exception {
    try (Store s = open(info);
        Client raw = Client.builder().endpoints("http://" + server.endpoint()).build()) {
      WriteOptions eph = WriteOptions.ephemeral(Duration.ofSeconds(30));
      s.commit(Transaction.builder().put("e1", b("1"), eph).build());
      long old = ((EtcdStore) s).leaseIds().get(0);
      // as if it expired while the store was cut off: the next renewal is 10 s away
      raw.getLeaseClient().revoke(old).get(5, TimeUnit.SECONDS);
      TransactionResult r =
          s.commit(Transaction.builder().ifAbsent("e1").put("e2", b("2"), eph).build());
      assertThat(r.committed()).isTrue();
      assertThat(s.get("e2").lastIndex()).isEqualTo(r.indexes().get("e2"));
      assertThat(((EtcdStore) s).leaseIds()).hasSize(1).doesNotContain(old);
    }
  }
}
