package io.libkv.consul;

import static io.libkv.testkit.ConfigurationChecks.assertRefused;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.consul.internal.ConsulStoreProvider;
import io.libkv.testkit.ConfigurationChecks;
import io.libkv.testkit.servers.ConsulEmulator;
import io.libkv.testkit.servers.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consul's parameter table (docs/cli.md): what it does not take is refused (user names and
 * passwords: Consul takes an ACL token), {@code consuls:} means TLS, and TLS material is never
 * dropped in favour of plaintext.
 */
class ConsulConfigurationTest {
  // nothing listens here: every case must fail on its configuration, before any connection
  private static final String URI = "consul://127.0.0.1:1/cfg?connectTimeout=1s&";

  @TempDir static Path dir;

  @Test
  void itsRowOfTheParameterTableHolds() {
    ConsulStoreProvider provider = new ConsulStoreProvider();
    ConfigurationChecks.assertParameterTable(
        provider.name(), provider.parameters(), q -> URI + q, dir);
  }

  @Test
  void consulsWithTlsFalseIsAContradiction() {
    assertRefused(
        "consuls://127.0.0.1:1?tls=false", StoreConfig.DEFAULT, List.of("tls=false", "consuls"));
  }

  @Test
  void aPasswordIsNotAConsulCredential() {
    assertRefused(
        URI + "timeout=1s",
        StoreConfig.builder().username("u").password(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("username", "password", "consul"));
  }

  @Test
  void unreadableTokenFilesAreRefused() {
    assertRefused(URI + "tokenFile=" + dir, StoreConfig.DEFAULT, List.of("tokenFile", "directory"));
    assertRefused(
        URI + "tokenFile=" + dir.resolve("missing"),
        StoreConfig.DEFAULT,
        List.of("tokenFile", "missing"));
  }

  @Test
  void aClientCertificateWithoutTlsIsNeverSentInPlaintext() throws Exception {
    // on a plaintext agent, cert and key without tls used to be dropped and the store opened in
    // plaintext: they turn TLS on, so opening fails its handshake instead
    TestCertificates certs = TestCertificates.create();
    try (ConsulEmulator agent = ConsulEmulator.start()) {
      String uri =
          agent.uri()
              + "?connectTimeout=2s&timeout=2s&cert="
              + certs.clientCert
              + "&key="
              + certs.clientKey;
      assertThatThrownBy(
              () -> {
                try (Store s = LibKV.open(uri)) {
                  s.exists("k");
                }
              })
          .isNotInstanceOf(ConfigurationException.class);
    }
  }
}
