package io.libkv.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.testkit.servers.ZooKeeperTlsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with certificates the test makes, against a TLS-only server in its own JVM. */
@Tag("slow")
class TlsTest {
  @TempDir static Path dir;
  private static TestCerts certs;
  private static TestCerts otherCa;
  private static ZooKeeperTlsServer server;

  @BeforeAll
  static void start() throws Exception {
    certs =
        TestCerts.make(
            Files.createDirectories(dir.resolve("good")), "libkv-test-ca", "server", "client");
    otherCa =
        TestCerts.make(Files.createDirectories(dir.resolve("other")), "some-other-ca", "client");
    server = ZooKeeperTlsServer.start(certs.path("server-keystore.pem"), certs.path("ca.pem"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String uri(TestCerts trust, TestCerts client, String extra) {
    return "zk://"
        + server.connectString()
        + "/tls?tls=true&ca="
        + trust.path("ca.pem")
        + "&cert="
        + client.path("client.pem")
        + "&key="
        + client.path("client-key.pem")
        + extra;
  }

  @Test
  void aStoreTalksTlsWithPemFiles() {
    try (Store s = LibKV.open(uri(certs, certs, ""))) {
      assertThat(s.capabilities().tls()).isTrue();
      s.put("k", "over tls".getBytes(UTF_8));
      assertThat(s.get("k").valueAsString()).isEqualTo("over tls");
    }
  }

  @Test
  void aWrongTrustStoreIsRefusedClearlyWithinTheConnectTimeout() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> LibKV.open(uri(otherCa, certs, "&connectTimeout=2s")))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(server.connectString())
        .hasMessageContaining("TLS");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    // and a client certificate the server does not trust
    assertThatThrownBy(() -> LibKV.open(uri(certs, otherCa, "&connectTimeout=2s")))
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void plainTextToATlsPortDoesNotConnect() {
    assertThatThrownBy(() -> LibKV.open("zk://" + server.connectString() + "?connectTimeout=1s"))
        .isInstanceOf(StoreUnavailableException.class);
  }
}
