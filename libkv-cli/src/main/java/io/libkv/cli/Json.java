package io.libkv.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The little JSON the CLI speaks: flat objects of strings and integers, one per line (export,
 * {@code --json} output, import input). Small enough that a library would cost more than it saves.
 */
final class Json {
  private Json() {}

  /** Builds one flat object; fields keep their order. */
  static final class ObjectWriter {
    private final StringBuilder b = new StringBuilder("{");

    ObjectWriter field(String name, String value) {
      sep();
      quote(b, name);
      b.append(':');
      quote(b, value);
      return this;
    }

    ObjectWriter field(String name, boolean value) {
      sep();
      quote(b, name);
      b.append(':').append(value);
      return this;
    }

    ObjectWriter field(String name, long value) {
      sep();
      quote(b, name);
      b.append(':').append(value);
      return this;
    }

    private void sep() {
      if (b.length() > 1) {
        b.append(',');
      }
    }

    @Override
    public String toString() {
      return b + "}";
    }
  }

  static ObjectWriter object() {
    return new ObjectWriter();
  }

  /**
   * A reader of JSON lines, strict UTF-8: a malformed byte fails the read with {@link
   * java.nio.charset.MalformedInputException} rather than turn into a replacement character.
   */
  static java.io.BufferedReader lines(java.io.InputStream in) {
    return new java.io.BufferedReader(
        new java.io.InputStreamReader(
            in,
            java.nio.charset.StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)));
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }

  /** A JSON text that is not what was expected; the message says where and why. */
  static final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    JsonException(String message) {
      super(message);
    }
  }

  /**
   * Parses one flat object whose values are strings, integers, booleans or null.
   *
   * @return the fields in order: {@link String}, {@link Long}, {@link Boolean}, or null
   * @throws JsonException if the text is not such an object, or repeats a field
   */
  static Map<String, Object> parseFlatObject(String text) throws JsonException {
    Parser p = new Parser(text);
    Map<String, Object> m = p.object();
    p.ws();
    if (p.pos < text.length()) {
      throw p.error("unexpected text after the object");
    }
    return m;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    JsonException error(String what) {
      return new JsonException("invalid JSON at column " + (pos + 1) + ": " + what);
    }

    void ws() {
      while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    void expect(char c) throws JsonException {
      ws();
      if (pos >= s.length() || s.charAt(pos) != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    Map<String, Object> object() throws JsonException {
      expect('{');
      Map<String, Object> m = new LinkedHashMap<>();
      ws();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return m;
      }
      while (true) {
        ws();
        if (pos >= s.length() || s.charAt(pos) != '"') {
          throw error("expected a field name");
        }
        String name = string();
        if (m.containsKey(name)) {
          throw error("field \"" + name + "\" appears twice");
        }
        expect(':');
        m.put(name, value(name));
        ws();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect('}');
        return m;
      }
    }

    @Nullable Object value(String name) throws JsonException {
      ws();
      if (pos >= s.length()) {
        throw error("expected a value");
      }
      char c = s.charAt(pos);
      if (c == '"') {
        return string();
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return number();
      }
      if (s.startsWith("true", pos)) {
        pos += 4;
        return true;
      }
      if (s.startsWith("false", pos)) {
        pos += 5;
        return false;
      }
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      if (c == '{' || c == '[') {
        throw error(
            "field \"" + name + "\" holds a nested object or array, which is not expected here");
      }
      throw error("expected a value");
    }

    Long number() throws JsonException {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
      }
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        pos++;
      }
      if (pos < s.length() && ".eE".indexOf(s.charAt(pos)) >= 0) {
        throw error("only integers are expected");
      }
      try {
        return Long.parseLong(s.substring(start, pos));
      } catch (NumberFormatException e) {
        pos = start;
        throw error("invalid integer");
      }
    }

    String string() throws JsonException {
      pos++; // opening quote
      StringBuilder b = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          pos--;
          throw error("control character in a string");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"':
          case '\\':
          case '/':
            b.append(e);
            break;
          case 'b':
            b.append('\b');
            break;
          case 'f':
            b.append('\f');
            break;
          case 'n':
            b.append('\n');
            break;
          case 'r':
            b.append('\r');
            break;
          case 't':
            b.append('\t');
            break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("invalid \\u escape");
            }
            pos += 4;
            break;
          default:
            pos--;
            throw error("invalid escape \\" + e);
        }
      }
    }
  }
}
