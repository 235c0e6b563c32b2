package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.UnknownOutcomeException;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.TcpProxy;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A commit whose answer never comes, and one that cannot reach etcd, through a loopback proxy. */
@Tag("slow")
class EtcdTransactionFaultTest {
  private static EtcdServer server;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Store open(String prefix, String endpoint) {
    return LibKV.open("etcd://" + endpoint + "/" + prefix + "?timeout=3s&connectTimeout=5s");
  }

  @Test
  void aCommitWhoseAnswerNeverComesIsAnUnknownOutcomeAndIsNotRepeated() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(server.clientPort());
        Store other = open("held", server.endpoint());
        Store faulted = open("held", proxy.address())) {
      faulted.put("a", "0".getBytes(UTF_8));
      KVPair a = faulted.get("a");
      proxy.holdReplies(true);
      long start = System.nanoTime();
      Transaction t =
          Transaction.builder()
              .ifIndex(a)
              .put("a", "1".getBytes(UTF_8))
              .put("b", "1".getBytes(UTF_8))
              .build();
      assertThatExceptionOfType(UnknownOutcomeException.class)
          .isThrownBy(() -> faulted.commit(t))
          .withMessageContaining("a");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3 + 3));
      KVPair applied = other.get("a");
      assertThat(applied.valueAsString()).as("the unanswered commit was applied").isEqualTo("1");
      assertThat(other.get("b").lastIndex()).isEqualTo(applied.lastIndex());
      proxy.holdReplies(false);
      Thread.sleep(1000);
      assertThat(other.get("a").lastIndex())
          .as("nothing repeated the commit once answers flowed")
          .isEqualTo(applied.lastIndex());
    }
  }

  @Test
  void aCommitThatCannotReachEtcdIsUnavailableAndAppliesNothing() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(server.clientPort());
        Store other = open("cut", server.endpoint());
        Store faulted = open("cut", proxy.address())) {
      faulted.put("warm", "x".getBytes(UTF_8));
      proxy.cut();
      Transaction t =
          Transaction.builder()
              .ifAbsent("k")
              .put("k", "v".getBytes(UTF_8), WriteOptions.expiring(Duration.ofSeconds(30)))
              .build();
      assertThatExceptionOfType(StoreUnavailableException.class)
          .isThrownBy(() -> faulted.commit(t))
          .isNotInstanceOf(UnknownOutcomeException.class);
      assertThat(other.exists("k")).isFalse();
      proxy.restore();
      assertThat(faulted.commit(t).committed()).isTrue();
      assertThat(other.get("k").valueAsString()).isEqualTo("v");
    }
  }
}
