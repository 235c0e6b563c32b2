package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import io.libkv.KeyNotFoundException;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.UnknownOutcomeException;
import io.libkv.testkit.servers.TcpProxy;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Transactions whose connection fails, through a proxy on a real standalone server. */
@Tag("slow")
class ZooKeeperTransactionFaultTest {
  private static final String FAULTED = "sessionTimeout=6s&connectTimeout=5s&timeout=2s";
  private static ZooKeeperServer server;

  @BeforeAll
  static void start() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aCommitWhoseAnswerNeverComesIsAnUnknownOutcomeAndWasAppliedOnce() throws Exception {
    String chroot = ZkTesting.freshChroot("txn-unknown");
    try (TcpProxy proxy = TcpProxy.to(server.port());
        ZooKeeperStore other =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore faulted = ZkTesting.open(proxy.address(), chroot, FAULTED)) {
      faulted.put("a", "0".getBytes(UTF_8));
      // the read is answered; the multi-op reaches the server, is applied, its answer held back
      faulted.transactions().beforeMulti = () -> proxy.holdReplies(true);
      long start = System.nanoTime();
      assertThatExceptionOfType(UnknownOutcomeException.class)
          .isThrownBy(
              () ->
                  faulted.commit(
                      Transaction.builder()
                          .ifAbsent("k")
                          .put("k", "v".getBytes(UTF_8))
                          .put("a", "1".getBytes(UTF_8))
                          .build()));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2 + 3));
      faulted.transactions().beforeMulti = null;
      assertThat(other.get("k").valueAsString())
          .as("the unanswered multi-op applied")
          .isEqualTo("v");
      assertThat(other.get("a").valueAsString()).isEqualTo("1");
      proxy.holdReplies(false);
      // the store works again once answers flow: a retry by the caller sees the first one applied
      await()
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(
              () ->
                  !faulted
                      .commit(
                          Transaction.builder().ifAbsent("k").put("k", "w".getBytes(UTF_8)).build())
                      .committed());
      assertThat(other.get("k").valueAsString()).isEqualTo("v");
    }
  }

  @Test
  void aCommitThatCannotReachTheServerIsUnavailableAndAppliesNothing() throws Exception {
    String chroot = ZkTesting.freshChroot("txn-unavailable");
    try (TcpProxy proxy = TcpProxy.to(server.port());
        ZooKeeperStore other =
            ZkTesting.open(server.connectString(), chroot, ZooKeeperContractTest.QUERY);
        ZooKeeperStore faulted = ZkTesting.open(proxy.address(), chroot, FAULTED)) {
      faulted.put("warm", "x".getBytes(UTF_8));
      proxy.cut();
      assertThatExceptionOfType(StoreUnavailableException.class)
          .isThrownBy(
              () ->
                  faulted.commit(
                      Transaction.builder().ifAbsent("k").put("k", "v".getBytes(UTF_8)).build()))
          .isNotInstanceOf(UnknownOutcomeException.class);
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> other.get("k"));
      proxy.restore();
    }
  }
}
