package io.libkv.boltdb;

import static io.libkv.testkit.ConfigurationChecks.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Secret;
import io.libkv.StoreConfig;
import io.libkv.boltdb.internal.BoltdbStoreProvider;
import io.libkv.testkit.ConfigurationChecks;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** boltdb's parameter table (docs/cli.md): a local file takes no TLS, credentials or server settings. */
class BoltdbConfigurationTest {
  @TempDir static Path dir;

  private static String uri(String query) {
    return "boltdb:" + dir.resolve("cfg.db") + "?" + query;
  }

  static Stream<String> notTaken() {
    return ConfigurationChecks.notTaken(new BoltdbStoreProvider().parameters(), ConfigurationChecks.secretFile(dir))
        .stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notTaken")
  void parametersBoltdbDoesNotTakeAreRefused(String parameter) {
    assertRefused(uri(parameter), StoreConfig.DEFAULT,
        List.of(parameter.substring(0, parameter.indexOf('=')), "do not apply to boltdb"));
  }

  @Test
  void everyParameterItTakesIsInTheTable() {
    assertThat(ConfigurationChecks.PARAMETERS).containsKeys(
        new BoltdbStoreProvider().parameters().toArray(new String[0]));
  }

  @Test
  void itsOwnParametersRefuseBadValues() {
    assertRefused(uri("bucket="), StoreConfig.DEFAULT, List.of("bucket"));
    assertRefused(uri("mode=sometimes"), StoreConfig.DEFAULT, List.of("mode"));
  }

  @Test
  void tlsAndCredentialsFromTheConfigurationAreRefused() throws Exception {
    assertRefused(uri("mode=shared"), StoreConfig.builder().sslContext(SSLContext.getDefault()).build(),
        List.of("sslContext", "do not apply to boltdb"));
    assertRefused(uri("mode=shared"), StoreConfig.builder().username("u").password(Secret.of(ConfigurationChecks.SECRET))
        .build(), List.of("username", "password", "boltdb"));
    assertRefused(uri("mode=shared"), StoreConfig.builder().token(Secret.of(ConfigurationChecks.SECRET)).build(),
        List.of("token", "boltdb"));
  }
}
