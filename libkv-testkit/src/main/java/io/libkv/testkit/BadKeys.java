package io.libkv.testkit;

import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/** Key suffixes every backend must reject, named for readable reports (many are unprintable). */
final class BadKeys {
  private BadKeys() {}

  /** Suffixes to append to a test's prefix (after a {@code /}), each breaking one key rule. */
  static Stream<Named<String>> belowPrefix() {
    return Stream.of(
        Named.of("empty segment a//b", "a//b"),
        Named.of("empty segments a///b", "a///b"),
        Named.of("'.' segment a/./b", "a/./b"),
        Named.of("'.' last segment", "a/."),
        Named.of("'.' alone", "."),
        Named.of("'..' segment a/../b", "a/../b"),
        Named.of("'..' alone", ".."),
        Named.of("NUL U+0000", "a\0b"),
        Named.of("U+0001", "a\u0001b"),
        Named.of("TAB", "a\tb"),
        Named.of("LF", "a\nb"),
        Named.of("CR", "a\rb"),
        Named.of("U+001F", "a\u001fb"),
        Named.of("DEL U+007F", "a\u007fb"),
        Named.of("C1 control U+0080", "a\u0080b"),
        Named.of("C1 control NEL U+0085", "a\u0085b"),
        Named.of("C1 control U+009F", "a\u009fb"),
        Named.of("control character in a directory segment", "a\0/b"),
        Named.of("control character at the end", "ab\u0001"),
        Named.of("unpaired high surrogate", "a\ud800b"),
        Named.of("unpaired low surrogate", "a\udc00b"));
  }
}
