package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Capabilities;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every CLI test shares: a scratch directory as working directory, a runner (in-process or the
 * launcher), a store URI, and helpers to run commands and check their results.
 */
abstract class CliTestBase {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Pattern INDEX = Pattern.compile("[1-9][0-9]*");
  static final Pattern ERROR_LINE = Pattern.compile("libkv: [^\\n]+\\n");

  @TempDir Path tmp;

  String store;
  private Capabilities capabilities;
  CliRunner runner;

  abstract CliRunner newRunner(Path workDir);

  abstract String newStoreUri(Path dir);

  @BeforeEach
  void setUp() {
    runner = newRunner(tmp);
    store = newStoreUri(tmp);
  }

  Result lib(String... args) {
    return libIn(new byte[0], args);
  }

  Result libIn(byte[] stdin, String... args) {
    return runner.run(Map.of(), stdin, withStore(args));
  }

  Result libEnv(Map<String, String> env, String... args) {
    return runner.run(env, new byte[0], List.of(args));
  }

  Running start(String... args) {
    return runner.start(Map.of(), withStore(args));
  }

  private List<String> withStore(String... args) {
    List<String> l = new ArrayList<>();
    l.add("--store");
    l.add(store);
    l.addAll(List.of(args));
    return l;
  }

  /** Whether the store under test takes every character of {@code key}, by its capabilities. */
  boolean storeTakes(String key) {
    if (capabilities == null) {
      try (Store s = LibKV.open(store)) {
        capabilities = s.capabilities();
      }
    }
    Capabilities c = capabilities;
    return key.codePoints().allMatch(c::allowsKeyCodePoint);
  }

  static void assertOk(Result r) {
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.stderr).as(r.toString()).isEmpty();
  }

  static void assertError(Result r, int code, String... fragments) {
    assertThat(r.exitCode).as(r.toString()).isEqualTo(code);
    assertThat(r.stdout).as(r.toString()).isEmpty();
    assertThat(r.stderr).as(r.toString()).matches(ERROR_LINE);
    for (String f : fragments) {
      assertThat(r.stderr).as(r.toString()).contains(f);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(utf8(s));
  }
}
