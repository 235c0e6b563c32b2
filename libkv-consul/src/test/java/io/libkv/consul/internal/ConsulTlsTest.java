package io.libkv.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.Watch;
import io.libkv.testkit.servers.ConsulEmulator;
import io.libkv.testkit.servers.TestCertificates;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code consuls://} against the emulator serving HTTPS with a certificate from a test CA: the CA
 * from a PEM file or an {@code SSLContext}, blocking queries and sessions over TLS, and a typed
 * error naming the endpoint for an untrusted server or a plain-HTTP client.
 */
class ConsulTlsTest {
  private static TestCertificates certs;
  private static ConsulEmulator consul;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create();
    consul =
        ConsulEmulator.builder()
            .sessionTtlMin(Duration.ofSeconds(1))
            .tls(certs.serverContext())
            .start();
  }

  @AfterAll
  static void stop() {
    if (consul != null) {
      consul.close();
    }
  }

  private static String uri(String query) {
    return "consuls://"
        + consul.address()
        + "?sessionTtlMin=1s&timeout=5s&connectTimeout=3s"
        + (query.isEmpty() ? "" : "&" + query);
  }

  @Test
  void theWholeApiWorksOverTlsWithTheCaFromAPemFile() throws Exception {
    assertThat(consul.uri()).startsWith("consuls://");
    try (Store s = LibKV.open(uri("ca=" + certs.ca))) {
      s.put("tls/k", "v".getBytes(StandardCharsets.UTF_8));
      assertThat(s.get("tls/k").valueAsString()).isEqualTo("v");
      try (Watch<KeyEvent> w = s.watch("tls/k")) {
        assertThat(w.take().type()).isEqualTo(EventType.CURRENT);
        s.put("tls/k", "w".getBytes(StandardCharsets.UTF_8));
        KeyEvent e = w.poll(Duration.ofSeconds(10)).orElseThrow();
        assertThat(e.type()).isEqualTo(EventType.PUT);
        assertThat(e.pair().map(KVPair::valueAsString)).contains("w");
      }
      try (LockLease l =
          s.newLock(
                  "tls/lock",
                  LockOptions.builder()
                      .value("me".getBytes(StandardCharsets.UTF_8))
                      .ttl(Duration.ofSeconds(2))
                      .build())
              .lock()) {
        assertThat(s.get("tls/lock").valueAsString()).isEqualTo("me");
        assertThat(l.isHeld()).isTrue();
      }
    }
  }

  @Test
  void anSslContextServesInsteadOfPemFiles() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certs.ca)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (Store s = LibKV.open(uri(""), StoreConfig.builder().sslContext(ctx).build())) {
      s.put("tls/ctx", "x".getBytes(StandardCharsets.UTF_8));
      assertThat(s.exists("tls/ctx")).isTrue();
    }
  }

  @Test
  void anUntrustedServerOrPlainHttpFailsClearlyNamingTheEndpoint() {
    assertThatThrownBy(
            () -> {
              try (Store s = LibKV.open(uri("ca=" + certs.otherCa))) {
                s.get("tls/k");
              }
            })
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(consul.address());
    assertThatThrownBy(
            () -> {
              try (Store s =
                  LibKV.open(
                      "consul://"
                          + consul.address()
                          + "?sessionTtlMin=1s&timeout=3s&connectTimeout=2s")) {
                s.get("tls/k");
              }
            })
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(consul.address());
  }
}
