package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.internal.UriParser;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared TLS and credential rules (docs/cli.md, "TLS and credentials"): every combination of
 * {@code tls}, {@code ca}, {@code cert}, {@code key}, {@code username}, {@code passwordFile} and
 * {@code tokenFile} either takes effect as given or is a {@link ConfigurationException} naming the
 * parameters, never echoing a secret. Checked against a backend that takes every parameter, so only
 * the shared rules apply; each backend's own parameters are tested in its module.
 */
class TlsAndCredentialRulesTest {
  private static final String SECRET = "hunter2-not-shown";

  @TempDir static Path dir;
  private static String pem;
  private static String pw;

  /** A backend that takes every parameter and opens nothing. */
  private static final StoreProvider ALL =
      new StoreProvider() {
        @Override
        public String name() {
          return "all";
        }

        @Override
        public Set<String> schemes() {
          return Set.of("all");
        }

        @Override
        public Set<String> parameters() {
          return UriParser.sharedParameters();
        }

        @Override
        public Store open(StoreLocation location, StoreConfig config) {
          throw new UnsupportedOperationException();
        }
      };

  @BeforeAll
  static void files() throws Exception {
    pem = Files.writeString(dir.resolve("x.pem"), "-----BEGIN CERTIFICATE-----\n").toString();
    pw = Files.writeString(dir.resolve("pw"), SECRET + "\n").toString();
    Files.createDirectories(dir.resolve("adir"));
  }

  private static StoreConfig configure(String query) {
    return configure(query, StoreConfig.DEFAULT);
  }

  private static StoreConfig configure(String query, StoreConfig base) {
    String uri =
        "all://127.0.0.1:1?"
            + query
                .replace("PEM", pem)
                .replace("PW", pw)
                .replace("MISSING", dir.resolve("missing").toString())
                .replace("DIR", dir.resolve("adir").toString());
    return LibKV.configure(uri, UriParser.parse(uri), base, ALL);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        // a client certificate needs its key and the key its certificate
        Arguments.of("cert=PEM", List.of("cert", "key")),
        Arguments.of("key=PEM", List.of("key", "cert")),
        Arguments.of("tls&cert=PEM", List.of("cert", "key")),
        Arguments.of("ca=PEM&key=PEM", List.of("key", "cert")),
        // tls=false says plaintext; TLS material says otherwise
        Arguments.of("tls=false&ca=PEM", List.of("tls", "ca")),
        Arguments.of("tls=false&cert=PEM&key=PEM", List.of("tls", "cert", "key")),
        Arguments.of("tls=false&ca=PEM&cert=PEM&key=PEM", List.of("tls", "ca", "cert", "key")),
        // credentials come in pairs
        Arguments.of("passwordFile=PW", List.of("passwordFile", "username")),
        Arguments.of("username=u", List.of("username", "passwordFile")),
        // files that cannot be read, however they are named
        Arguments.of("ca=MISSING", List.of("ca", "missing")),
        Arguments.of("ca=DIR", List.of("ca", "adir", "directory")),
        Arguments.of("cert=MISSING&key=PEM", List.of("cert", "missing")),
        Arguments.of("cert=PEM&key=DIR", List.of("key", "adir")),
        Arguments.of("username=u&passwordFile=MISSING", List.of("passwordFile", "missing")),
        Arguments.of("username=u&passwordFile=DIR", List.of("passwordFile", "adir")),
        Arguments.of("tokenFile=MISSING", List.of("tokenFile", "missing")),
        Arguments.of("tokenFile=DIR", List.of("tokenFile", "adir")),
        // every problem at once, with the unknown parameters first as before
        Arguments.of(
            "bogus=1&cert=PEM&passwordFile=PW&tokenFile=MISSING",
            List.of("unknown parameter(s): bogus", "key", "username", "tokenFile")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusedCombinationsNameTheirParameters(String query, List<String> named) {
    assertThatThrownBy(() -> configure(query))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll(named.toArray(new String[0]))
        .hasMessageNotContaining(SECRET)
        .hasMessageContaining("/blob/main/docs/errors.md#configuration");
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("", false),
        Arguments.of("tls=false", false),
        Arguments.of("tls", true),
        Arguments.of("tls=true", true),
        Arguments.of("ca=PEM", true),
        Arguments.of("tls&ca=PEM", true),
        Arguments.of("cert=PEM&key=PEM", true),
        Arguments.of("tls&cert=PEM&key=PEM", true),
        Arguments.of("ca=PEM&cert=PEM&key=PEM", true),
        Arguments.of("username=u&passwordFile=PW", false),
        Arguments.of("tokenFile=PW", false),
        Arguments.of("tls&ca=PEM&cert=PEM&key=PEM&username=u&passwordFile=PW&tokenFile=PW", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void acceptedCombinationsTakeEffectAsGiven(String query, boolean tls) {
    StoreConfig c = configure(query);
    assertThat(c.tls()).as("tls").isEqualTo(tls);
    assertThat(c.certFile().isPresent()).isEqualTo(query.contains("cert="));
    assertThat(c.caFile().isPresent()).isEqualTo(query.contains("ca="));
    assertThat(c.password().isPresent()).isEqualTo(query.contains("passwordFile="));
    assertThat(c.token().isPresent()).isEqualTo(query.contains("tokenFile="));
  }

  @Test
  void theBuilderKeepsTheSameRules() {
    // a base configuration may hold half a pair (the URI the other), so pairs are checked on
    // opening
    StoreConfig password = StoreConfig.builder().password(Secret.of(SECRET)).build();
    assertThatThrownBy(() -> configure("", password))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("username")
        .hasMessageNotContaining(SECRET);
    assertThat(configure("username=u", password).username()).contains("u");
    StoreConfig cert = StoreConfig.builder().certFile(Path.of(pem)).build();
    assertThatThrownBy(() -> configure("", cert))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("cert", "key");
    assertThatThrownBy(() -> LibKV.newStore("memory", List.of(), cert))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("cert", "key");
    assertThatThrownBy(() -> StoreConfig.builder().tls(false).sslContext(defaultContext()).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("tls", "sslContext");
    assertThatThrownBy(() -> StoreConfig.builder().caFile(dir.resolve("missing")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("ca", "missing");
    assertThatThrownBy(
            () -> StoreConfig.builder().username("u").passwordFile(dir.resolve("adir")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("passwordFile", "adir");
  }

  @Test
  void aUriCannotContradictTheBaseConfiguration() {
    // the base carries what a URI cannot (a password, an SSLContext); the URI must agree with it
    StoreConfig password = StoreConfig.builder().password(Secret.of(SECRET)).username("u").build();
    assertThatThrownBy(() -> configure("passwordFile=PW", password))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("password", "passwordFile")
        .hasMessageNotContaining(SECRET);
    assertThat(configure("", password).password()).isPresent();
    StoreConfig context = StoreConfig.builder().sslContext(defaultContext()).build();
    assertThatThrownBy(() -> configure("tls=false", context))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("tls", "sslContext");
    assertThat(configure("", context).tls()).isTrue();
  }

  @Test
  void settingsABackendDoesNotTakeAreRefusedHowEverGiven() {
    // memory: takes no TLS and no credentials, whether from the URI or the configuration
    assertThatThrownBy(() -> LibKV.open("memory:r?tls"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("tls", "do not apply to memory");
    assertThatThrownBy(
            () ->
                LibKV.open(
                    "memory:r",
                    StoreConfig.builder().username("u").password(Secret.of(SECRET)).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("username", "password", "memory")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(
            () -> LibKV.open("memory:r", StoreConfig.builder().token(Secret.of(SECRET)).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("token", "memory")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(
            () ->
                LibKV.newStore(
                    "memory",
                    List.of(),
                    StoreConfig.builder().sslContext(defaultContext()).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("sslContext", "memory");
  }

  private static SSLContext defaultContext() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
