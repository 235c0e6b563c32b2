package io.libkv.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real {@code redis-server} processes started, driven and broken through {@link RedisServer}. */
class RedisServerTest {
  private static TestCertificates certs;

  @BeforeAll
  static void certificates() throws IOException {
    certs = TestCertificates.create();
  }

  @AfterAll
  static void deleteCertificates() {
    EtcdServer.deleteTree(certs.dir);
  }

  @Test
  void setThenGetThroughTheCli() {
    try (RedisServer s = RedisServer.start()) {
      assertThat(s.address()).isEqualTo("127.0.0.1:" + s.port());
      assertThat(s.cli("SET", "k", "v 1")).isEqualTo("OK");
      assertThat(s.cli("GET", "k")).isEqualTo("v 1");
      assertThat(rawReply(s.port(), "PING")).isEqualTo("+PONG");
    }
  }

  @Test
  void restartKeepsAppendOnlyDataOnTheSamePort() {
    try (RedisServer s = RedisServer.start(new RedisServer.Options().appendOnly(true))) {
      int port = s.port();
      long pid = s.pid();
      assertThat(s.cli("SET", "kept", "yes")).isEqualTo("OK");
      s.restart(); // a SIGKILL first: appendfsync always must have kept the write
      assertThat(s.pid()).isNotEqualTo(pid).isPositive();
      assertThat(s.port()).isEqualTo(port);
      assertThat(s.cli("GET", "kept")).isEqualTo("yes");
    }
  }

  @Test
  void pausedServerLetsPingTimeOutAndAnswersAfterResume() {
    try (RedisServer s = RedisServer.start()) {
      s.pause();
      assertThatThrownBy(() -> s.cli(Duration.ofMillis(700), "PING"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("did not finish within");
      s.resume();
      assertThat(s.cli("PING")).isEqualTo("PONG");
    }
  }

  @Test
  void killLeavesNoProcess() {
    try (RedisServer s = RedisServer.start()) {
      long pid = s.pid();
      assertThat(pid).isPositive();
      s.kill();
      assertThat(s.pid()).isEqualTo(-1);
      assertThat(s.isRunning()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      assertThatThrownBy(() -> s.cli("PING")).hasMessageContaining("exited with");
    }
  }

  @Test
  void tlsServerRefusesPlainTextAndClientsWithoutCertificate() throws Exception {
    RedisServer.Options o =
        new RedisServer.Options().tls(certs.serverCert, certs.serverKey, certs.ca, true);
    try (RedisServer s = RedisServer.start(o)) {
      assertThat(s.tls()).isTrue();
      assertThat(s.cli("PING")).isEqualTo("PONG");
      assertThat(rawReply(s.port(), "PING")).doesNotContain("PONG");
      // TLS, but no client certificate: the handshake fails
      Process p =
          new ProcessBuilder(
                  "redis-cli",
                  "-e",
                  "-h",
                  "127.0.0.1",
                  "-p",
                  Integer.toString(s.port()),
                  "--tls",
                  "--cacert",
                  certs.ca.toString(),
                  "PING")
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(out).doesNotContain("PONG");
      assertThat(p.exitValue()).isNotZero();
    }
  }

  @Test
  void aclUserAuthenticatesAndWrongPasswordIsRefused() {
    RedisServer.Options o =
        new RedisServer.Options().requirePass("adminpw").user("app", "apppw", "~app:*", "+@all");
    try (RedisServer s = RedisServer.start(o)) {
      assertThat(rawReply(s.port(), "PING")).startsWith("-NOAUTH");
      assertThat(s.cli("ACL", "WHOAMI")).isEqualTo("default");
      assertThat(s.cli("AUTH", "app", "apppw")).isEqualTo("OK");
      assertThatThrownBy(() -> s.cli("AUTH", "app", "wrong")).hasMessageContaining("WRONGPASS");
      assertThatThrownBy(() -> s.cli("AUTH", "adminpw-not")).hasMessageContaining("WRONGPASS");
    }
  }

  @Test
  void adminUserReplacesTheDefaultUser() {
    try (RedisServer s =
        RedisServer.start(new RedisServer.Options().adminUser("admin", "adminpw"))) {
      assertThat(s.cli("ACL", "WHOAMI")).isEqualTo("admin");
      assertThatThrownBy(() -> s.cli("AUTH", "default", "")).hasMessageContaining("WRONGPASS");
    }
    assertThatThrownBy(
            () ->
                RedisServer.start(
                    new RedisServer.Options().adminUser("admin", "pw").requirePass("pw2")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void replicaReceivesAWriteOfItsAuthenticatedPrimary() {
    try (RedisServer primary =
            RedisServer.start(new RedisServer.Options().adminUser("admin", "adminpw"));
        RedisServer replica = RedisServer.start(new RedisServer.Options().replicaOf(primary))) {
      replica.awaitReplicationLink(Duration.ofSeconds(20));
      assertThat(primary.cli("SET", "r", "1")).isEqualTo("OK");
      assertThat(primary.cli("WAIT", "1", "10000")).isEqualTo("1");
      assertThat(replica.cli("GET", "r")).isEqualTo("1");
      assertThat(replica.info("replication")).containsEntry("role", "slave");
    }
  }

  /** One inline command on a plain socket; the first reply line, or what ended the connection. */
  static String rawReply(int port, String command) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
        line.append((char) c);
      }
      return line.toString().strip();
    } catch (IOException e) {
      return "closed: " + e;
    }
  }
}
