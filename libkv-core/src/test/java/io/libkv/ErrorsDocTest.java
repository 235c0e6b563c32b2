package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every exception type's message points at an anchor that docs/errors.md has. */
class ErrorsDocTest {
  @Test
  void everyExceptionHasItsAnchor() throws Exception {
    Path root = Path.of(System.getProperty("libkv.repo.root", ".."));
    String doc = Files.readString(root.resolve("docs/errors.md"));
    List<String> types;
    try (Stream<Path> s = Files.list(Path.of("target/classes/io/libkv"))) {
      types =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith("Exception.class"))
              .map(n -> n.substring(0, n.length() - ".class".length()))
              .sorted()
              .collect(Collectors.toList());
    }
    assertThat(types).hasSizeGreaterThan(10);
    for (String t : types) {
      String anchor = ErrorAnchors.of(Class.forName("io.libkv." + t));
      assertThat(doc).as("docs/errors.md heading for %s", t).contains("\n## " + anchor + "\n");
      assertThat(doc).as("docs/errors.md names %s", t).contains("`" + t + "`");
    }
  }

  @Test
  void messagesNameKeyStoreAndAnchor() {
    KVException e = new KeyNotFoundException("key not found", "a/b", "memory:x", null);
    assertThat(e.getMessage())
        .isEqualTo(
            "key not found [key \"a/b\", store memory:x] (see "
                + "https://github.com/libkv/libkv/blob/main/docs/errors.md#key-not-found)");
    assertThat(e.key()).contains("a/b");
    assertThat(e.store()).contains("memory:x");
    ValueTooLargeException v = new ValueTooLargeException("k", "memory:x", 11, 10);
    assertThat(v.getMessage())
        .contains("11 bytes")
        .contains("limit of 10")
        .contains("#value-too-large");
  }

  @Test
  void messagesEndWithAFullDocumentationUrl() {
    for (KVException e :
        List.of(
            new KVException("x", null),
            new StoreLockedException("y", null, "memory:x", null),
            new TtlTooShortException(
                "ephemeral",
                "k",
                "memory:x",
                java.time.Duration.ofMillis(10),
                java.time.Duration.ofSeconds(1)))) {
      assertThat(e.getMessage())
          .as(e.getClass().getSimpleName())
          .matches(
              "(?s).* \\(see https://github\\.com/libkv/libkv/blob/main/docs/errors\\.md#[a-z-]+\\)")
          .doesNotContain("(see docs/");
    }
  }

  @Test
  void durationsInMessagesAreWrittenAsAUserTypesThem() {
    TtlTooShortException e =
        new TtlTooShortException(
            "ephemeral",
            "k",
            "memory:x",
            java.time.Duration.ofMillis(10),
            java.time.Duration.ofSeconds(90));
    assertThat(e.getMessage())
        .contains("ephemeral TTL 10ms is below this backend's minimum of 1m30s")
        .doesNotContain("PT");
  }
}
