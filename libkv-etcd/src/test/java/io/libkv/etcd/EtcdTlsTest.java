package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.TestCertificates;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * etcd serving TLS and checking client certificates, with a CA and certificates made by the test.
 */
@Tag("slow")
class EtcdTlsTest {
  private static TestCertificates certs;
  private static EtcdServer server;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create();
    server =
        EtcdServer.start(
            new EtcdServer.Options().tls(certs.serverCert, certs.serverKey, certs.ca, true));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String uri(String query) {
    return "etcds://" + server.endpoint() + "/tls?connectTimeout=10s&timeout=5s&" + query;
  }

  /**
   * A handshake that fails is retried until the connection timeout: keep it short where failure is
   * expected.
   */
  private String failing(String query) {
    return "etcds://" + server.endpoint() + "/tls?connectTimeout=2s&timeout=2s&" + query;
  }

  @Test
  void caClientCertificateAndKeyFromPemFiles() {
    try (Store s =
        LibKV.open(
            uri("ca=" + certs.ca + "&cert=" + certs.clientCert + "&key=" + certs.clientKey))) {
      s.put("k", "v".getBytes(UTF_8));
      assertThat(s.get("k").valueAsString()).isEqualTo("v");
      assertThat(s.description()).startsWith("etcds://");
    }
  }

  @Test
  void anSslContext() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certs.ca)) {
      trust.setCertificateEntry(
          "ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certs.clientP12)) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    try (Store s =
        LibKV.open(
            "etcds://" + server.endpoint() + "/tls?timeout=3s",
            StoreConfig.builder().sslContext(ctx).build())) {
      s.put("ctx", "v".getBytes(UTF_8));
      assertThat(s.exists("ctx")).isTrue();
    }
  }

  @Test
  void aWrongCaIsRefusedClearly() {
    assertThatThrownBy(
            () ->
                LibKV.open(
                    failing(
                        "ca="
                            + certs.otherCa
                            + "&cert="
                            + certs.clientCert
                            + "&key="
                            + certs.clientKey)))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("TLS handshake with etcd failed")
        .hasMessageContaining(server.endpoint());
  }

  @Test
  void aMissingClientCertificateIsRefusedClearly() {
    assertThatThrownBy(() -> LibKV.open(failing("ca=" + certs.ca)))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("TLS")
        .hasMessageContaining(server.endpoint());
  }
}
