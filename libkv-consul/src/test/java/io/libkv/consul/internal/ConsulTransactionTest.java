package io.libkv.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Capabilities;
import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TransactionTooLargeException;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.ConsulAgent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Store.commit on Consul's {@code /v1/txn}: conditions, failures, indexes, watch events, limits and
 * TTL puts; on a real agent when a Consul binary is installed, else on the emulator.
 */
class ConsulTransactionTest {
  private static ConsulTestServer server;
  private Store store;

  @BeforeAll
  static void startServer() {
    server =
        ConsulAgent.binary().isPresent() ? ConsulTestServer.agent() : ConsulTestServer.emulator();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void open() {
    store = server.open("");
    store.deleteTree("tx"); // the agent is shared by every test
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private String value(String key) {
    return store.get(key).valueAsString();
  }

  @Test
  void putsAndDeletesUnderConditionsOnSeveralKeysApplyAtOneIndex() {
    KVPair a = store.atomicPut("tx/a", utf8("a1"), null, WriteOptions.DEFAULT);
    store.put("tx/b", utf8("b1"));
    store.put("tx/c", utf8("c1"));
    TransactionResult r =
        store.commit(
            Transaction.builder()
                .ifIndex(a)
                .ifPresent("tx/b")
                .ifAbsent("tx/d")
                .put("tx/a", utf8("a2"))
                .put("tx/d", utf8("d1"))
                .delete("tx/c")
                .delete("tx/never")
                .build());
    assertThat(r.committed()).isTrue();
    assertThat(r.indexes()).containsOnlyKeys("tx/a", "tx/d");
    assertThat(value("tx/a")).isEqualTo("a2");
    assertThat(value("tx/d")).isEqualTo("d1");
    assertThat(store.exists("tx/c")).isFalse();
    assertThat(store.get("tx/a").lastIndex()).isEqualTo(r.indexes().get("tx/a"));
    assertThat(store.get("tx/d").lastIndex()).isEqualTo(r.indexes().get("tx/d"));
    // one Raft entry: every key written carries the commit's index
    assertThat(r.index()).hasValue(r.indexes().get("tx/a"));
    assertThat(r.indexes().get("tx/d")).isEqualTo(r.indexes().get("tx/a"));
  }

  @Test
  void eachConditionKindFailsWithNothingApplied() {
    KVPair a = store.atomicPut("tx/a", utf8("a1"), null, WriteOptions.DEFAULT);
    List<Transaction.Condition> failing =
        List.of(
            new Transaction.Absent("tx/a"),
            new Transaction.Present("tx/missing"),
            new Transaction.IndexEquals("tx/a", a.lastIndex() + 1000),
            new Transaction.IndexEquals("tx/missing", 5));
    for (Transaction.Condition c : failing) {
      TransactionResult r =
          store.commit(
              Transaction.builder()
                  .ifIndex(a)
                  .condition(c)
                  .put("tx/a", utf8("a2"))
                  .put("tx/new", utf8("n"))
                  .build());
      assertThat(r.committed()).as("%s", c).isFalse();
      assertThat(r.failedCondition()).as("%s", c).contains(c);
      // Consul answers a rolled-back transaction with its errors only
      assertThat(r.knowsCurrent()).isFalse();
      assertThat(store.get("tx/a")).isEqualTo(a);
      assertThat(store.exists("tx/new")).isFalse();
    }
  }

  @Test
  void theFirstFailingConditionInOrderIsReported() {
    KVPair a = store.atomicPut("tx/a", utf8("a1"), null, WriteOptions.DEFAULT);
    store.put("tx/b", utf8("b1"));
    Transaction t =
        Transaction.builder()
            .ifIndex(a)
            .ifPresent("tx/missing") // fails first
            .ifAbsent("tx/b") // fails too
            .ifIndex("tx/a", a.lastIndex() + 1) // and this
            .put("tx/a", utf8("a2"))
            .delete("tx/b")
            .build();
    TransactionResult r = store.commit(t);
    assertThat(r.failedCondition()).contains(new Transaction.Present("tx/missing"));
    assertThat(store.get("tx/a")).isEqualTo(a);
    assertThat(value("tx/b")).isEqualTo("b1");
  }

  @Test
  void aMultiKeyTransactionIsOneTreeEventAtTheCommitIndex() throws Exception {
    store.put("tx/w/c", utf8("c1"));
    try (Watch<TreeEvent> w = store.watchTree("tx/w")) {
      assertThat(w.take().type()).isEqualTo(EventType.CURRENT);
      TransactionResult r =
          store.commit(
              Transaction.builder()
                  .put("tx/w/a", utf8("a"))
                  .put("tx/w/b", utf8("b"))
                  .delete("tx/w/c")
                  .build());
      TreeEvent e = w.poll(Duration.ofSeconds(10)).orElseThrow();
      assertThat(e.type()).isEqualTo(EventType.PUT); // puts and deletes: a put event, as in memory
      assertThat(e.changes().stream().map(TreeEvent.Change::key).collect(Collectors.toSet()))
          .isEqualTo(Set.of("tx/w/a", "tx/w/b", "tx/w/c"));
      assertThat(e.index()).isEqualTo(r.index().orElseThrow());
      assertThat(e.pairs()).extracting(KVPair::key).containsExactly("tx/w/a", "tx/w/b");

      // a transaction that only deletes has no written entry to take the index from
      TransactionResult d =
          store.commit(Transaction.builder().delete("tx/w/a").delete("tx/w/b").build());
      TreeEvent de = w.poll(Duration.ofSeconds(10)).orElseThrow();
      assertThat(de.changes()).hasSize(2);
      assertThat(d.index()).hasValue(de.index());
    }
  }

  @Test
  void limitsAreConsulsSixtyFourOperationsAndItsRequestSize() {
    Capabilities.TransactionLimits l = store.capabilities().transactionLimits();
    assertThat(l.maxOperations()).isEqualTo(64);
    assertThat(l.maxSteps()).isEqualTo(64);
    assertThat(l.maxConditions()).isEqualTo(63);
    assertThat(l.ephemeralPuts()).isTrue();
    assertThat(l.expiringPuts()).isTrue();

    Transaction.Builder at = Transaction.builder();
    Transaction.Builder over = Transaction.builder();
    for (int i = 0; i < 64; i++) {
      at.put("tx/n/" + i, utf8("v"));
      over.put("tx/o/" + i, utf8("v"));
    }
    over.put("tx/o/64", utf8("v"));
    assertThat(store.commit(at.build()).committed()).isTrue();
    assertThat(store.list("tx/n")).hasSize(64);
    TransactionTooLargeException ops = catchTooLarge(over.build());
    assertThat(ops.limitName()).isEqualTo("operations");
    assertThat(ops.size()).isEqualTo(65);
    assertThat(store.exists("tx/o")).isFalse();

    Transaction.Builder steps = Transaction.builder();
    for (int i = 0; i < 63; i++) {
      steps.ifPresent("tx/n/" + i);
    }
    assertThat(store.commit(steps.delete("tx/n/63").build()).committed()).isTrue();
    assertThat(catchTooLarge(steps.delete("tx/n/62").build()).limitName()).isEqualTo("steps");
    assertThat(store.exists("tx/n/62")).isTrue();

    // bytes: the keys' UTF-8 and the values, at the limit and one over
    long room = l.maxBytes() - "tx/big".length() - "tx/big2".length();
    byte[] half = new byte[(int) (room / 2)];
    byte[] rest = new byte[(int) (room - half.length)];
    Arrays.fill(half, (byte) 'x');
    Arrays.fill(rest, (byte) 'y');
    assertThat(
            store
                .commit(Transaction.builder().put("tx/big", half).put("tx/big2", rest).build())
                .committed())
        .isTrue();
    assertThat(store.get("tx/big2").value()).isEqualTo(rest);
    byte[] more = Arrays.copyOf(rest, rest.length + 1);
    TransactionTooLargeException bytes =
        catchTooLarge(Transaction.builder().put("tx/big3", half).put("tx/big2", more).build());
    assertThat(bytes.limitName()).isEqualTo("bytes");
    assertThat(bytes.limit()).isEqualTo(l.maxBytes());
    assertThat(store.exists("tx/big3")).isFalse();
    assertThat(store.get("tx/big2").value()).isEqualTo(rest);
  }

  private TransactionTooLargeException catchTooLarge(Transaction t) {
    return org.assertj.core.api.Assertions.catchThrowableOfType(
        TransactionTooLargeException.class, () -> store.commit(t));
  }

  @Test
  void ephemeralPutsOfATransactionGoWithTheStoresSession() {
    store.put("tx/e", utf8("plain before"));
    TransactionResult r =
        store.commit(
            Transaction.builder()
                .ifPresent("tx/e")
                .put("tx/e", utf8("eph"), WriteOptions.ephemeral(Duration.ofSeconds(2)))
                .put("tx/e2", utf8("eph2"), WriteOptions.ephemeral(Duration.ofSeconds(2)))
                .put("tx/p", utf8("plain"))
                .build());
    assertThat(r.committed()).isTrue();
    assertThat(store.get("tx/e").lastIndex()).isEqualTo(r.indexes().get("tx/e"));
    // kept alive well past the TTL
    Awaitility.await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> store.exists("tx/e") && store.exists("tx/e2"));
    server.faults().killSession(store);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !store.exists("tx/e") && !store.exists("tx/e2"));
    assertThat(value("tx/p")).isEqualTo("plain");

    // a plain put in a transaction frees a key from the session again
    store.commit(
        Transaction.builder()
            .put("tx/e3", utf8("eph"), WriteOptions.ephemeral(Duration.ofSeconds(2)))
            .build());
    store.commit(Transaction.builder().put("tx/e3", utf8("plain now")).build());
    server.faults().killSession(store);
    staysWith("tx/e3", "plain now");
  }

  /** The key is still there a second later, with that value. */
  private void staysWith(String key, String value) {
    Awaitility.await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> store.exists(key));
    assertThat(value(key)).isEqualTo(value);
  }

  @Test
  void ephemeralPutsOfATransactionGoWhenTheStoreCloses() {
    try (Store other = server.open("")) {
      assertThat(
              other
                  .commit(
                      Transaction.builder()
                          .ifAbsent("tx/c")
                          .put("tx/c", utf8("eph"), WriteOptions.ephemeral(Duration.ofSeconds(2)))
                          .build())
                  .committed())
          .isTrue();
      assertThat(store.exists("tx/c")).isTrue();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !store.exists("tx/c"));
  }

  @Test
  void anEphemeralPutTakesOverAKeyAnotherStoresSessionHolds() {
    try (Store other = server.open("")) {
      other.put("tx/t", utf8("theirs"), WriteOptions.ephemeral(Duration.ofSeconds(2)));
      TransactionResult r =
          store.commit(
              Transaction.builder()
                  .put("tx/t", utf8("ours"), WriteOptions.ephemeral(Duration.ofSeconds(2)))
                  .build());
      assertThat(r.committed()).isTrue();
      assertThat(store.get("tx/t").lastIndex()).isEqualTo(r.indexes().get("tx/t"));
    }
    // the other store's session went with it; the key stays with ours
    staysWith("tx/t", "ours");
  }

  @Test
  void expiringPutsOfATransactionExpireWithoutKeepAlive() {
    TransactionResult r =
        store.commit(
            Transaction.builder()
                .put("tx/x", utf8("exp"), WriteOptions.expiring(Duration.ofSeconds(1)))
                .put("tx/y", utf8("plain"))
                .build());
    assertThat(r.committed()).isTrue();
    assertThat(store.exists("tx/x")).isTrue();
    // Consul invalidates a session between its TTL and twice it
    Awaitility.await().atMost(Duration.ofSeconds(2 + 3)).until(() -> !store.exists("tx/x"));
    assertThat(value("tx/y")).isEqualTo("plain");
  }

  @Test
  void aFailedTransactionLeavesNoSessionOfItsExpiringPutsBehind() throws Exception {
    store.put("tx/a", utf8("a"));
    int before = sessionCount();
    TransactionResult r =
        store.commit(
            Transaction.builder()
                .ifAbsent("tx/a")
                .put("tx/x", utf8("exp"), WriteOptions.expiring(Duration.ofSeconds(30)))
                .build());
    assertThat(r.committed()).isFalse();
    assertThat(store.exists("tx/x")).isFalse();
    assertThat(sessionCount()).isEqualTo(before);
  }

  /** The sessions the agent knows, by its HTTP API. */
  private static int sessionCount() throws Exception {
    String body =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://" + server.address() + "/v1/session/list"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).size();
  }
}
