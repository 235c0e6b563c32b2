package io.libkv.cli;

import io.libkv.KVPair;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** How values are shown: as text when that is unambiguous, else base64. */
final class Values {
  static final String BASE64_PREFIX = "base64:";

  private Values() {}

  /**
   * The watch output's VALUE: the text when the bytes are valid UTF-8 without control characters
   * and do not start with {@code base64:}, else {@code base64:} and the standard base64 encoding.
   */
  static String text(byte[] value) {
    Optional<String> s = printable(value);
    if (s.isEmpty() || s.get().startsWith(BASE64_PREFIX)) {
      return BASE64_PREFIX + base64(value);
    }
    return s.get();
  }

  /** The bytes as text when they are valid UTF-8 without control characters; else empty. */
  static Optional<String> printable(byte[] value) {
    String s;
    try {
      s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString();
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        return Optional.empty();
      }
    }
    return Optional.of(s);
  }

  static String base64(byte[] value) {
    return Base64.getEncoder().encodeToString(value);
  }

  /** The export line of a pair: {@code {"key","value"(base64),"lastIndex"}}. */
  static String exportLine(KVPair p) {
    return Json.object()
        .field("key", p.key())
        .field("value", base64(p.value()))
        .field("lastIndex", p.lastIndex())
        .toString();
  }
}
