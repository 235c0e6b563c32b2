package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.KVException;
import io.libkv.LibKV;
import io.libkv.PermissionDeniedException;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.testkit.servers.RedisServer;
import io.libkv.testkit.servers.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and ACL users on real Redis servers: settings take effect as given, or the store fails. */
class RedisSecurityTest {
  @TempDir static Path dir;
  private static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.create();
  }

  /** A TLS-only server that requires client certificates. */
  @Nested
  class Tls {
    private static RedisServer server;

    @BeforeAll
    static void start() {
      server =
          RedisServer.start(
              new RedisServer.Options().tls(certs.serverCert, certs.serverKey, certs.ca, true));
    }

    @AfterAll
    static void stop() {
      if (server != null) {
        server.close();
      }
    }

    private String files(Path ca) {
      return "ca=" + ca + "&cert=" + certs.clientCert + "&key=" + certs.clientKey;
    }

    @Test
    void writesAndReadsOverTls() {
      try (Store s = LibKV.open("rediss://" + server.address() + "/tls?" + files(certs.ca))) {
        s.put("a", "1".getBytes(UTF_8));
        assertThat(s.get("a").valueAsString()).isEqualTo("1");
        assertThat(s.capabilities().tls()).isTrue();
      }
    }

    @Test
    void anUntrustedServerIsRefused() {
      assertThatThrownBy(
              () ->
                  LibKV.open(
                      "rediss://"
                          + server.address()
                          + "?connectTimeout=3s&timeout=3s&"
                          + files(certs.otherCa)))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining(server.address());
    }

    @Test
    void withoutItsClientCertificateTheServerRefuses() {
      assertThatThrownBy(
              () ->
                  LibKV.open(
                      "rediss://"
                          + server.address()
                          + "?connectTimeout=3s&timeout=3s&ca="
                          + certs.ca))
          .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void plainRedisAgainstTlsFailsWithinItsTimeout() {
      long t0 = System.nanoTime();
      assertThatThrownBy(
              () -> LibKV.open("redis://" + server.address() + "?connectTimeout=2s&timeout=2s"))
          .isInstanceOf(StoreUnavailableException.class);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000 + 3_000);
    }

    @Test
    void anSslContextIsRefusedNotIgnored() throws Exception {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getDefault();
      io.libkv.StoreConfig c = io.libkv.StoreConfig.builder().sslContext(ctx).build();
      assertThatThrownBy(
              () ->
                  io.libkv.redis.RedisOptions.builder()
                      .endpoints(server.address())
                      .config(c)
                      .build()
                      .open())
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("SSLContext");
    }
  }

  /** ACL users: one limited to the keys of the store with prefix {@code app}. */
  @Nested
  class Acl {
    private static RedisServer server;

    @BeforeAll
    static void start() {
      server =
          RedisServer.start(
              new RedisServer.Options()
                  .adminUser("admin", "adminpw")
                  .user("app", "apppw", "~{libkv:app}*", "+@all"));
    }

    @AfterAll
    static void stop() {
      if (server != null) {
        server.close();
      }
    }

    private String pw(String password) throws Exception {
      Path f = Files.createTempFile(dir, "pw", ".txt");
      Files.writeString(f, password);
      return f.toString();
    }

    @Test
    void theUserWorksInItsOwnKeys() throws Exception {
      try (Store s =
          LibKV.open(
              "redis://" + server.address() + "/app?username=app&passwordFile=" + pw("apppw"))) {
        s.put("k", "v".getBytes(UTF_8));
        assertThat(s.get("k").valueAsString()).isEqualTo("v");
      }
    }

    @Test
    void otherKeysArePermissionDeniedNamingKeyAndStore() throws Exception {
      try (Store s =
          LibKV.open(
              "redis://" + server.address() + "/other?username=app&passwordFile=" + pw("apppw"))) {
        assertThatThrownBy(() -> s.put("k", "v".getBytes(UTF_8)))
            .isInstanceOf(PermissionDeniedException.class)
            .satisfies(
                e -> {
                  assertThat(((KVException) e).key()).contains("k");
                  assertThat(((KVException) e).store())
                      .hasValueSatisfying(st -> assertThat(st).contains("/other"));
                });
      }
    }

    @Test
    void aWrongPasswordIsAConfigurationErrorAtOpen() throws Exception {
      String f = pw("wrong");
      assertThatThrownBy(
              () ->
                  LibKV.open("redis://" + server.address() + "/app?username=app&passwordFile=" + f))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("app")
          .hasMessageNotContaining("wrong");
    }

    @Test
    void noCredentialsAgainstAServerThatWantsThemIsAConfigurationError() {
      assertThatThrownBy(() -> LibKV.open("redis://" + server.address() + "/app"))
          .isInstanceOf(ConfigurationException.class);
    }
  }
}
