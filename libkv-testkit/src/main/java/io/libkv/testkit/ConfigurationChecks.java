package io.libkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks for a backend's parameter table (docs/cli.md): a URI whose parameters cannot all take
 * effect is a {@link ConfigurationException} naming them, and never shows a secret.
 */
public final class ConfigurationChecks {
  /** The text of the secret files {@link #secretFile} writes; no message may contain it. */
  public static final String SECRET = "s3cret-never-shown";

  private ConfigurationChecks() {}

  /**
   * Every URI parameter of docs/cli.md with a valid value ({@code FILE} stands for a readable
   * file), keyed by name.
   */
  public static final Map<String, String> PARAMETERS = parameters();

  private static Map<String, String> parameters() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("connectTimeout", "1s");
    m.put("timeout", "1s");
    m.put("tls", "true");
    m.put("ca", "FILE");
    m.put("cert", "FILE");
    m.put("key", "FILE");
    m.put("username", "u");
    m.put("passwordFile", "FILE");
    m.put("tokenFile", "FILE");
    m.put("datacenter", "dc1");
    m.put("sessionTimeout", "5s");
    m.put("sessionTtlMin", "10s");
    m.put("containerCheckInterval", "1m");
    m.put("maxValueBytes", "100");
    m.put("bucket", "b");
    m.put("mode", "shared");
    m.put("readOnly", "true");
    return Map.copyOf(m);
  }

  /**
   * The parameters a backend does not take, each as {@code name=value} with {@code file} for FILE.
   */
  public static List<String> notTaken(Set<String> takes, Path file) {
    return PARAMETERS.entrySet().stream()
        .filter(e -> !takes.contains(e.getKey()))
        .map(e -> e.getKey() + "=" + e.getValue().replace("FILE", file.toString()))
        .sorted()
        .collect(Collectors.toList());
  }

  /**
   * A readable file holding {@link #SECRET}, usable as passwordFile, tokenFile, ca, cert or key.
   */
  public static Path secretFile(Path dir) {
    try {
      return Files.writeString(dir.resolve("secret.txt"), SECRET + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Checks a backend's row of the parameter table: every parameter it takes ({@code takes}, what
   * its provider declares) is in {@link #PARAMETERS}, and every other one is refused, by name: as
   * not applying to {@code backend}, the backend's name, when an installed backend takes it, or as
   * unknown when none on the class path does (a module's tests see only their own backend). {@code
   * uri} turns a query into a URI of the backend that fails on its configuration alone.
   */
  public static void assertParameterTable(
      String backend, Set<String> takes, Function<String, String> uri, Path dir) {
    assertThat(PARAMETERS).containsKeys(takes.toArray(new String[0]));
    for (String parameter : notTaken(takes, secretFile(dir))) {
      String name = parameter.substring(0, parameter.indexOf('='));
      String u = uri.apply(parameter);
      assertRefused(u, StoreConfig.DEFAULT, List.of(name));
      assertThatThrownBy(() -> LibKV.open(u).close())
          .as(u)
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .satisfiesAnyOf(
                          m -> assertThat(m).contains("do not apply to " + backend),
                          m ->
                              assertThat(m)
                                  .containsPattern(
                                      "unknown parameter\\(s\\): [^(]*\\b" + name + "\\b")));
    }
  }

  /**
   * Opening {@code uri} over {@code base} fails before any connection, naming each of {@code
   * named}.
   */
  public static void assertRefused(String uri, StoreConfig base, List<String> named) {
    assertThatThrownBy(() -> LibKV.open(uri, base).close())
        .as(uri)
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll(named.toArray(new String[0]))
        .hasMessageNotContaining(SECRET)
        .hasMessageContaining("/blob/main/docs/errors.md#configuration");
  }
}
