package io.libkv.boltdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyNotFoundException;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.TreeEvent;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the boltdb store beyond the conformance kit: Go interop, modes, persistence. */
class BoltdbStoreTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void basicContractInBothModes() throws Exception {
    for (String mode : List.of("exclusive", "shared")) {
      Path f = dir.resolve(mode + ".db");
      try (Store s = LibKV.open("boltdb:" + f + "?mode=" + mode)) {
        s.put("a/b", b("1"));
        s.put("a/c/d", b("2"));
        s.put("apple", b("3"));
        KVPair p = s.get("/a/b/");
        assertThat(p.key()).isEqualTo("a/b");
        assertThat(p.valueAsString()).isEqualTo("1");
        assertThat(s.list("a").stream().map(KVPair::key).collect(Collectors.toList())).containsExactly("a/b", "a/c/d");
        assertThat(s.exists("a")).isFalse();
        assertThatThrownBy(() -> s.list("nope")).isInstanceOf(KeyNotFoundException.class);
        KVPair q = s.atomicPut("a/b", b("x"), p, WriteOptions.DEFAULT);
        assertThat(q.lastIndex()).isGreaterThan(p.lastIndex());
        s.deleteTree("a");
        assertThat(s.list("").stream().map(KVPair::key).collect(Collectors.toList())).containsExactly("apple");
      }
      // the counter survives a reopen: indexes are never reused
      try (Store s = LibKV.open("boltdb:" + f + "?mode=" + mode)) {
        s.put("z", b("1"));
        assertThat(s.get("z").lastIndex()).isGreaterThan(5);
      }
    }
  }

  @Test
  void watchesAndLocksWithinTheProcess() throws Exception {
    Path f = dir.resolve("w.db");
    try (Store s = LibKV.open("boltdb:" + f); Watch<KeyEvent> w = s.watch("k");
        Watch<TreeEvent> t = s.watchTree("d")) {
      assertThat(w.take().type()).isEqualTo(EventType.ABSENT);
      assertThat(t.take().type()).isEqualTo(EventType.ABSENT);
      s.put("k", b("v1"));
      s.put("d/x", b("v1"));
      assertThat(w.take().type()).isEqualTo(EventType.PUT);
      assertThat(t.take().pairs()).hasSize(1);
      s.delete("k");
      assertThat(w.take().type()).isEqualTo(EventType.DELETE);
      try (LockLease l = s.newLock("lk", LockOptions.builder().value("me").ttl(Duration.ofSeconds(2)).build()).lock()) {
        assertThat(l.isHeld()).isTrue();
        assertThat(s.get("lk").valueAsString()).isEqualTo("me");
        assertThat(s.newLock("lk").tryLock(Duration.ofMillis(100))).isEmpty();
      }
      assertThat(s.exists("lk")).isFalse();
    }
  }

  @Test
  void crossProcessStyleSharingWatchesAnotherWritersCommits() throws Exception {
    Path f = dir.resolve("shared.db");
    try (Store a = LibKV.open("boltdb:" + f + "?mode=shared"); Watch<KeyEvent> w = a.watch("k")) {
      assertThat(w.take().type()).isEqualTo(EventType.ABSENT);
      a.put("k", b("1"));
      assertThat(w.take().type()).isEqualTo(EventType.PUT);
    }
  }

  @Test
  void ttlKeysInBothMeanings() throws Exception {
    Path f = dir.resolve("ttl.db");
    try (Store a = LibKV.open("boltdb:" + f)) {
      a.put("exp", b("1"), WriteOptions.expiring(Duration.ofMillis(300)));
      a.put("eph", b("1"), WriteOptions.ephemeral(Duration.ofSeconds(1)));
      await().atMost(Duration.ofSeconds(2)).until(() -> !a.exists("exp"));
      Thread.sleep(2500);
      assertThat(a.exists("eph")).isTrue();
    }
    try (Store a = LibKV.open("boltdb:" + f)) {
      assertThat(a.exists("eph")).isFalse();
    }
  }

  @Test
  void readsWhatGoLibkvWrote() throws Exception {
    Path fixtures = Path.of(System.getProperty("libkv.repo.root", "..")).resolve("../shared/fixtures/bbolt");
    Path copy = dir.resolve("libkv.db");
    Files.copy(fixtures.resolve("libkv.db"), copy);
    try (Store s = LibKV.open("boltdb:" + copy)) {
      List<KVPair> all = s.list("");
      assertThat(all).isNotEmpty();
      long before = all.stream().mapToLong(KVPair::lastIndex).max().orElseThrow();
      s.put("new/key", b("x"));
      assertThat(s.get("new/key").lastIndex()).isGreaterThan(before);
    }
  }
}
