package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeysTest {
  @Test
  void canonicalFormDropsOuterSlashes() {
    assertThat(Keys.canonicalKey("a/b")).isEqualTo("a/b");
    assertThat(Keys.canonicalKey("/a/b")).isEqualTo("a/b");
    assertThat(Keys.canonicalKey("a/b/")).isEqualTo("a/b");
    assertThat(Keys.canonicalKey("/a/b/")).isEqualTo("a/b");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/",
        "//",
        "a//b",
        "./a",
        "a/.",
        "a/../b",
        "..",
        "a\u0000b",
        "a\nb",
        "a\u007fb",
        "a\u0085b",
        "_libkv/x",
        "_libkv",
        "/_libkv/locks/a"
      })
  void invalidKeysAreRejected(String key) {
    assertThatThrownBy(() -> Keys.canonicalKey(key))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("/blob/main/docs/errors.md#invalid-key");
  }

  @Test
  void unpairedSurrogatesAreRejected() {
    assertThatThrownBy(() -> Keys.canonicalKey("a\ud800b"))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("surrogate");
    assertThat(Keys.canonicalKey("a\ud83d\ude00b")).isEqualTo("a\ud83d\ude00b");
  }

  @Test
  void lengthLimitCountsUtf8Bytes() {
    String ok = "é".repeat(Keys.MAX_KEY_BYTES / 2);
    assertThat(Keys.canonicalKey(ok)).isEqualTo(ok);
    assertThatThrownBy(() -> Keys.canonicalKey(ok + "x"))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining(String.valueOf(Keys.MAX_KEY_BYTES));
  }

  @Test
  void rootIsADirectoryButNotAKey() {
    assertThat(Keys.canonicalDirectory("")).isEmpty();
    assertThat(Keys.canonicalDirectory("/")).isEmpty();
    assertThat(Keys.canonicalDirectory("/a/")).isEqualTo("a");
    assertThatThrownBy(() -> Keys.canonicalKey("/")).isInstanceOf(InvalidKeyException.class);
  }

  @Test
  void nullKeyNamesTheArgument() {
    assertThatThrownBy(() -> Keys.canonicalKey(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }

  @Test
  void belowMatchesOnSegmentBoundaries() {
    assertThat(Keys.isBelow("app/x", "app")).isTrue();
    assertThat(Keys.isBelow("apple", "app")).isFalse();
    assertThat(Keys.isBelow("app", "app")).isFalse();
    assertThat(Keys.isBelow("app", "")).isTrue();
  }

  @Test
  void orderIsUtf8ByteOrder() {
    List<String> keys =
        new ArrayList<>(List.of("b", "a\uffff", "a\ud83d\ude00", "a", "ab", "a/b", "é"));
    keys.sort(Keys.UTF8_ORDER);
    List<String> byBytes = new ArrayList<>(keys);
    byBytes.sort((x, y) -> java.util.Arrays.compareUnsigned(Keys.utf8(x), Keys.utf8(y)));
    assertThat(keys).isEqualTo(byBytes);
    assertThat(keys.indexOf("a\uffff")).isLessThan(keys.indexOf("a\ud83d\ude00"));
  }

  @Test
  void utf8LengthMatchesTheEncoder() {
    for (String s : List.of("", "abc", "é", "日本", "\ud83d\ude00x")) {
      assertThat(Keys.utf8Length(s)).isEqualTo(Keys.utf8(s).length);
    }
  }
}
