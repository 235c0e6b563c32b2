package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.KVPair;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The flat JSON of export/import and the VALUE text rule of watch. */
class JsonAndValuesTest {
  @Test
  void writesEscapedFlatObjects() {
    String s = Json.object().field("key", "a\"b\\c\n\u0001é").field("n", 42).toString();
    assertThat(s).isEqualTo("{\"key\":\"a\\\"b\\\\c\\n\\u0001é\",\"n\":42}");
  }

  @Test
  void parsesWhatItWrites() throws Exception {
    String s = Json.object().field("key", "x\ty\"\u2028😀").field("lastIndex", 7).toString();
    Map<String, Object> m = Json.parseFlatObject(s);
    assertThat(m).containsEntry("key", "x\ty\"\u2028😀").containsEntry("lastIndex", 7L);
    assertThat(Json.parseFlatObject(" { \"a\" : \"\\u00e9\\/\" , \"b\": null, \"c\": true } "))
        .containsEntry("a", "é/")
        .containsEntry("b", null)
        .containsEntry("c", true);
    assertThat(Json.parseFlatObject("{}")).isEmpty();
  }

  @Test
  void rejectsWhatIsNotAFlatObject() {
    for (String bad :
        new String[] {
          "",
          "[]",
          "{",
          "{\"a\":}",
          "{\"a\":1,}",
          "{\"a\":{}}",
          "{\"a\":[1]}",
          "{\"a\":1} x",
          "{\"a\":1,\"a\":2}",
          "{\"a\":1.5}",
          "{\"a\":\"\\x\"}",
          "{\"a\":\"unterminated}",
          "{a:1}",
          "{\"a\":\"tab\there\"}"
        }) {
      assertThatThrownBy(() -> Json.parseFlatObject(bad))
          .as(bad)
          .isInstanceOf(Json.JsonException.class);
    }
  }

  @Test
  void valueTextRule() {
    assertThat(Values.text(bytes("plain text é"))).isEqualTo("plain text é");
    assertThat(Values.text(bytes(""))).isEmpty();
    assertThat(Values.text(bytes("two\nlines"))).isEqualTo("base64:dHdvCmxpbmVz");
    assertThat(Values.text(bytes("tab\t"))).startsWith("base64:");
    assertThat(Values.text(bytes("\u0085"))).startsWith("base64:");
    assertThat(Values.text(bytes("base64:abc"))).isEqualTo("base64:YmFzZTY0OmFiYw==");
    assertThat(Values.text(new byte[] {(byte) 0xff, 0})).isEqualTo("base64:/wA=");
  }

  @Test
  void exportLine() {
    assertThat(Values.exportLine(KVPair.of("a/b", bytes("v"), 3)))
        .isEqualTo("{\"key\":\"a/b\",\"value\":\"dg==\",\"lastIndex\":3}");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
