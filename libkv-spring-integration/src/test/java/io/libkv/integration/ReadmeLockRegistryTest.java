package io.libkv.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/**
 * The README's Spring Integration example, run as written on {@code memory:}: keep the two in step.
 */
class ReadmeLockRegistryTest {
  /** A log that refuses writes fenced by a token older than one it took. */
  static final class Ledger {
    final List<String> entries = new ArrayList<>();
    long highest;

    void append(String entry, long token) {
      if (token < highest) {
        throw new IllegalStateException("stale token " + token);
      }
      highest = token;
      entries.add(entry);
    }
  }

  @Test
  @SuppressWarnings("LockNotBeforeTry") // the README's shape, kept as written
  void readmeExample() {
    Ledger ledger = new Ledger();
    DefaultCandidate candidate = new DefaultCandidate("node-1", "scheduler");
    try (Store store = LibKV.open("memory:")) {
      LibkvLockRegistry registry =
          new LibkvLockRegistry(
              store,
              "locks",
              LockOptions.builder().ttl(Duration.ofSeconds(10)).build()); // others wait this long

      LibkvLock lock = registry.obtain("invoices"); // the key locks/invoices
      lock.lock();
      try {
        LockLease lease = lock.lease();
        lease.checkHeld(); // LockLostException if lost
        ledger.append("invoice 42", lease.fencingToken()); // the ledger refuses older tokens
      } finally {
        lock.unlock();
      }

      LockRegistryLeaderInitiator leader = new LockRegistryLeaderInitiator(registry, candidate);
      leader.setApplicationEventPublisher(event -> {});
      leader.start(); // a Spring bean starts it for you
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> leader.getContext().isLeader());
        assertThat(store.exists("locks/scheduler")).isTrue();
      } finally {
        leader.stop();
      }
    }
    assertThat(ledger.entries).containsExactly("invoice 42");
  }
}
