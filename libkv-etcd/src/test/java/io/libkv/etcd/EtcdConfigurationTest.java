package io.libkv.etcd;

import static io.libkv.testkit.ConfigurationChecks.assertRefused;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.etcd.internal.EtcdStoreProvider;
import io.libkv.testkit.ConfigurationChecks;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's parameter table (docs/cli.md): what it does not take is refused, {@code etcds:} means TLS,
 * and TLS material is never dropped in favour of plaintext. The shared rules are tested in core.
 */
class EtcdConfigurationTest {
  // nothing listens here: every case must fail on its configuration, before any connection
  private static final String URI = "etcd://127.0.0.1:1/cfg?connectTimeout=1s&";

  @TempDir static Path dir;

  @Test
  void itsRowOfTheParameterTableHolds() {
    EtcdStoreProvider provider = new EtcdStoreProvider();
    ConfigurationChecks.assertParameterTable(
        provider.name(), provider.parameters(), q -> URI + q, dir);
  }

  @Test
  void etcdsWithTlsFalseIsAContradiction() {
    assertRefused(
        "etcds://127.0.0.1:1?tls=false", StoreConfig.DEFAULT, List.of("tls=false", "etcds"));
  }

  @Test
  void aTokenIsNotAnEtcdCredential() {
    assertRefused(
        URI + "timeout=1s",
        StoreConfig.builder().token(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("token", "do not apply to etcd"));
  }

  @Test
  void aUserWithoutAPasswordAndAPasswordWithoutAUserAreRefused() {
    Path pw = ConfigurationChecks.secretFile(dir);
    assertRefused(
        URI + "passwordFile=" + pw, StoreConfig.DEFAULT, List.of("passwordFile", "username"));
    assertRefused(URI + "username=u", StoreConfig.DEFAULT, List.of("username", "passwordFile"));
    assertRefused(
        URI + "timeout=1s",
        StoreConfig.builder().password(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("password", "username"));
  }

  @Test
  void aClientCertificateWithoutTlsIsNeverSentInPlaintext() throws Exception {
    // on a plaintext server, cert and key without tls used to connect in plaintext and succeed:
    // they turn TLS on, so the call fails its handshake instead of dropping the certificate
    TestCertificates certs = TestCertificates.create();
    try (EtcdServer server = EtcdServer.start()) {
      String uri =
          "etcd://"
              + server.endpoint()
              + "/cfg?connectTimeout=2s&timeout=2s&cert="
              + certs.clientCert
              + "&key="
              + certs.clientKey;
      assertThatThrownBy(
              () -> {
                try (Store s = LibKV.open(uri)) {
                  s.exists("k");
                }
              })
          .isNotInstanceOf(ConfigurationException.class)
          .hasMessageContaining("TLS");
    }
  }
}
