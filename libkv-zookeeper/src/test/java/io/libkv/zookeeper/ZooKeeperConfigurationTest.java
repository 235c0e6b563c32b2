package io.libkv.zookeeper;

import static io.libkv.testkit.ConfigurationChecks.assertRefused;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.testkit.ConfigurationChecks;
import io.libkv.testkit.servers.TestCertificates;
import io.libkv.testkit.servers.ZooKeeperServer;
import io.libkv.zookeeper.internal.ZooKeeperStoreProvider;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZooKeeper's parameter table (docs/cli.md): what it does not take is refused, an SSLContext is
 * refused (its client builds TLS from files), and TLS material is never dropped for plaintext.
 */
class ZooKeeperConfigurationTest {
  // nothing listens here: every case must fail on its configuration, before any connection
  private static final String URI = "zk://127.0.0.1:1/cfg?connectTimeout=1s&";

  @TempDir static Path dir;

  @Test
  void itsRowOfTheParameterTableHolds() {
    ZooKeeperStoreProvider provider = new ZooKeeperStoreProvider();
    ConfigurationChecks.assertParameterTable(
        provider.name(), provider.parameters(), q -> URI + q, dir);
  }

  @Test
  void aTokenAndAnSslContextAreRefused() throws Exception {
    assertRefused(
        URI + "timeout=1s",
        StoreConfig.builder().token(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("token", "do not apply to zookeeper"));
    assertRefused(
        URI + "timeout=1s",
        StoreConfig.builder().sslContext(SSLContext.getDefault()).build(),
        List.of("SSLContext", "ca"));
  }

  @Test
  void aClientCertificateWithoutTlsIsNeverSentInPlaintext() throws Exception {
    // on a plaintext server, cert and key without tls used to connect in plaintext and succeed:
    // they turn TLS on, so the connection fails instead of dropping the certificate
    TestCertificates certs = TestCertificates.create();
    try (ZooKeeperServer server = ZooKeeperServer.start()) {
      String uri =
          "zk://"
              + server.connectString()
              + "/cfg?connectTimeout=2s&cert="
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
