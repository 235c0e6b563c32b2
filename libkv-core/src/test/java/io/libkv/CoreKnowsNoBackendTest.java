package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Core names no backend outside comments: each backend declares its own URI parameters, options and
 * URI form through the SPI, so a new backend needs no change in core. (The in-memory store is
 * core's own.)
 */
class CoreKnowsNoBackendTest {
  private static final Pattern BACKEND = Pattern.compile("(?i)boltdb|consul|zookeeper|etcd|\\bzk");
  // string and character literals are matched too, so that "//" in one does not start a comment;
  // they are kept
  private static final Pattern COMMENT =
      Pattern.compile(
          "'(?:\\\\.|[^'\\\\\n])'|\"(?:\\\\.|[^\"\\\\\n])*\"|//[^\n]*|/\\*.*?\\*/", Pattern.DOTALL);

  @Test
  void coreSourcesNameNoBackendOutsideComments() throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main"))) {
      files
          .filter(Files::isRegularFile)
          .forEach(
              f -> {
                String code = withoutComments(read(f));
                String[] lines = code.split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                  Matcher m = BACKEND.matcher(lines[i]);
                  if (m.find()) {
                    found.add(f + ":" + (i + 1) + ": " + lines[i].trim());
                  }
                }
              });
    }
    assertThat(found).as("backend names in core's code").isEmpty();
  }

  @Test
  void theScanSeesCodeAndSkipsComments() {
    assertThat(BACKEND.matcher(withoutComments("String s = \"etcd://h\";")).find()).isTrue();
    assertThat(BACKEND.matcher(withoutComments("int zk = 1;")).find()).isTrue();
    assertThat(BACKEND.matcher(withoutComments("String s = \"a // b\" + \"consul\";")).find())
        .isTrue();
    assertThat(
            BACKEND
                .matcher(withoutComments("/** e.g. {@code boltdb:x.db} */ int a;\n// consul\n"))
                .find())
        .isFalse();
  }

  /** Comments become blank, keeping line numbers. */
  private static String withoutComments(String source) {
    Matcher m = COMMENT.matcher(source);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String text = m.group();
      m.appendReplacement(
          b,
          Matcher.quoteReplacement(
              text.startsWith("\"") || text.startsWith("'")
                  ? text
                  : text.replaceAll("[^\n]", " ")));
    }
    m.appendTail(b);
    return b.toString();
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
