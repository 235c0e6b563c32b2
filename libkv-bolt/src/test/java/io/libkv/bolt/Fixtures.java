package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.testkit.servers.GoBoltFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Go-written fixtures, made once per test JVM by Go's bbolt libraries (see GoBoltFixtures)
 * under target/bolt-fixtures, and their manifests.
 */
final class Fixtures {
  private static Path dir;

  private Fixtures() {}

  static synchronized Path dir() {
    if (dir == null) {
      Path d = Path.of("target", "bolt-fixtures").toAbsolutePath();
      GoBoltFixtures.write(d);
      assertThat(d.resolve("index.json")).as("fixture index under " + d).exists();
      dir = d;
    }
    return dir;
  }

  static List<String> names() {
    String index = read(dir().resolve("index.json"));
    Matcher m = Pattern.compile("\"file\"\\s*:\\s*\"([^\"]+)\\.db\"").matcher(index);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    assertThat(out).isNotEmpty();
    return out;
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** First occurrence of a numeric field. */
  static long number(String json, String field) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"?(-?\\d+)").matcher(json);
    assertThat(m.find()).as("field " + field).isTrue();
    return Long.parseLong(m.group(1));
  }

  static String string(String json, String field) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    assertThat(m.find()).as("field " + field).isTrue();
    return m.group(1);
  }

  /** Decodes a JSON string body (escapes included). */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char n = s.charAt(++i);
      switch (n) {
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        default -> b.append(n);
      }
    }
    return b.toString();
  }

  static Path copyTo(String name, Path tmp) {
    try {
      Path dst = tmp.resolve(name + ".db");
      Files.copy(dir().resolve(name + ".db"), dst);
      dst.toFile().setWritable(true);
      return dst;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
