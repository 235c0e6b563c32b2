package io.libkv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's example, compiled and run: keep the two in step. */
class ReadmeExampleTest {
  @Test
  void readmeExample() throws Exception {
    try (Store store = LibKV.open("memory:demo")) {
      store.put("config/colour", "blue".getBytes(UTF_8));
      KVPair p = store.get("config/colour");
      store.atomicPut("config/colour", "green".getBytes(UTF_8), p, WriteOptions.DEFAULT);

      try (Watch<KeyEvent> w = store.watch("config/colour")) {
        KeyEvent now = w.take();
        assertThat(now.type()).isEqualTo(EventType.CURRENT);
        assertThat(now.pair().orElseThrow().valueAsString()).isEqualTo("green");
      }
      try (LockLease lease = store.newLock("jobs/nightly").lock()) {
        long token = lease.fencingToken();
        assertThat(token).isPositive();
      }
      store.put(
          "members/me",
          "10.0.0.7:8080".getBytes(UTF_8),
          WriteOptions.ephemeral(Duration.ofSeconds(10)));
    }
  }

  @Test
  void transactionsUpdateAndViews() {
    try (Store store = LibKV.open("memory:bank")) {
      store.put("accounts/alice", "100".getBytes(UTF_8));
      store.put("accounts/bob", "0".getBytes(UTF_8));

      KVPair alice = store.get("accounts/alice");
      KVPair bob = store.get("accounts/bob");
      TransactionResult moved =
          store.commit(
              Transaction.builder()
                  .ifIndex(alice)
                  .ifIndex(bob)
                  .put("accounts/alice", "70".getBytes(UTF_8))
                  .put("accounts/bob", "30".getBytes(UTF_8))
                  .build());
      assertThat(moved.committed()).isTrue();

      KVPair hits =
          store.update(
              "stats/hits",
              current ->
                  String.valueOf(current.map(p -> Long.parseLong(p.valueAsString())).orElse(0L) + 1)
                      .getBytes(UTF_8));
      assertThat(hits.valueAsString()).isEqualTo("1");

      try (View accounts = store.view("accounts")) {
        assertThat(accounts.get("accounts/bob").valueAsString()).isEqualTo("30");
        store.put("accounts/carol", "5".getBytes(UTF_8));
        assertThat(accounts.exists("accounts/carol")).isTrue();
      }
      // the same transaction again: alice moved on
      TransactionResult again =
          store.commit(
              Transaction.builder()
                  .ifIndex(alice)
                  .ifIndex(bob)
                  .put("accounts/alice", "40".getBytes(UTF_8))
                  .build());
      assertThat(again.failedCondition())
          .contains(new Transaction.IndexEquals("accounts/alice", alice.lastIndex()));
    }
  }
}
