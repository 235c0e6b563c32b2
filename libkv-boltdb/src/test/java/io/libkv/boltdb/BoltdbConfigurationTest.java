package io.libkv.boltdb;

import static io.libkv.testkit.ConfigurationChecks.assertRefused;

import io.libkv.Secret;
import io.libkv.StoreConfig;
import io.libkv.boltdb.internal.BoltdbStoreProvider;
import io.libkv.testkit.ConfigurationChecks;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * boltdb's parameter table (docs/cli.md): a local file takes no TLS, credentials or server
 * settings.
 */
class BoltdbConfigurationTest {
  @TempDir static Path dir;

  private static String uri(String query) {
    return "boltdb:" + dir.resolve("cfg.db") + "?" + query;
  }

  @Test
  void itsRowOfTheParameterTableHolds() {
    BoltdbStoreProvider provider = new BoltdbStoreProvider();
    ConfigurationChecks.assertParameterTable(
        provider.name(), provider.parameters(), BoltdbConfigurationTest::uri, dir);
  }

  @Test
  void itsOwnParametersRefuseBadValues() {
    assertRefused(uri("bucket="), StoreConfig.DEFAULT, List.of("bucket"));
    assertRefused(uri("mode=sometimes"), StoreConfig.DEFAULT, List.of("mode"));
  }

  @Test
  void tlsAndCredentialsFromTheConfigurationAreRefused() throws Exception {
    assertRefused(
        uri("mode=shared"),
        StoreConfig.builder().sslContext(SSLContext.getDefault()).build(),
        List.of("sslContext", "do not apply to boltdb"));
    assertRefused(
        uri("mode=shared"),
        StoreConfig.builder().username("u").password(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("username", "password", "boltdb"));
    assertRefused(
        uri("mode=shared"),
        StoreConfig.builder().token(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("token", "boltdb"));
  }
}
