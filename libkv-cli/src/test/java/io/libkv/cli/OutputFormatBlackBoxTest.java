package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code -o table} through the launcher on a {@code boltdb:} file (docs/cli.md, "Output formats"):
 * columns start where their header starts, cells are separated by at least two spaces, and a value
 * that is not printable text (a newline, a tab) is shown as watch shows it, so every key keeps one
 * row.
 */
class OutputFormatBlackBoxTest extends BoltdbBlackBoxTestBase {
  /** Each key's lastIndex, from export's lines. */
  private Map<String, Long> indexes() throws Json.JsonException {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String line : lib("export").lines()) {
      Map<String, Object> o = Json.parseFlatObject(line);
      m.put((String) o.get("key"), ((Number) o.get("lastIndex")).longValue());
    }
    return m;
  }

  @Test
  void lsAndGetPrintOneAlignedRowPerKeyWhateverTheValueHolds() throws Exception {
    assertOk(lib("put", "a", "1"));
    assertOk(lib("put", "b/long-key", "hello world"));
    assertOk(lib("put", "c", "line1\nline2\tx"));
    assertOk(lib("put", "d", ""));
    Map<String, Long> index = indexes();
    assertThat(index).hasSize(4);
    int keyWidth = "b/long-key".length() + 2;

    Result ls = lib("ls", "-o", "table");
    assertOk(ls);
    List<String> expected = new ArrayList<>();
    expected.add(String.format("%-" + keyWidth + "s%s", "KEY", "LAST_INDEX"));
    index.forEach((k, i) -> expected.add(String.format("%-" + keyWidth + "s%d", k, i)));
    assertThat(ls.lines()).containsExactlyElementsOf(expected);

    Result values = lib("ls", "--values", "-o", "table");
    assertOk(values);
    int indexWidth =
        Math.max(
                "LAST_INDEX".length(),
                index.values().stream()
                    .mapToInt(i -> Long.toString(i).length())
                    .max()
                    .orElseThrow())
            + 2;
    String row = "%-" + keyWidth + "s%-" + indexWidth + "s%s";
    Map<String, String> shown =
        Map.of(
            "a",
            "1",
            "b/long-key",
            "hello world",
            "c",
            "base64:" + b64("line1\nline2\tx"),
            "d",
            "");
    List<String> expectedValues = new ArrayList<>();
    expectedValues.add(String.format(row, "KEY", "LAST_INDEX", "VALUE"));
    // an empty last cell leaves no trailing spaces
    index.forEach(
        (k, i) -> expectedValues.add(String.format(row, k, i, shown.get(k)).stripTrailing()));
    assertThat(values.lines()).as("one row per key").containsExactlyElementsOf(expectedValues);

    Result get = lib("get", "c", "-o", "table");
    assertOk(get);
    assertThat(get.lines())
        .containsExactly(
            String.format("%-5s%-" + indexWidth + "s%s", "KEY", "LAST_INDEX", "VALUE"),
            String.format(
                "%-5s%-" + indexWidth + "s%s",
                "c",
                index.get("c"),
                "base64:" + b64("line1\nline2\tx")));
  }

  @Test
  void statusIsANameValueTable() {
    assertOk(lib("put", "k", "v"));
    Result r = lib("status", "-o", "table");
    assertOk(r);
    List<String> lines = r.lines();
    int valueAt = lines.get(0).indexOf("VALUE");
    assertThat(lines.get(0)).isEqualTo(String.format("%-" + valueAt + "s%s", "NAME", "VALUE"));
    assertThat(valueAt).isGreaterThanOrEqualTo("connection".length() + 2);
    // the text form's name: value lines, aligned
    List<String> text = lib("status").lines();
    assertThat(lines).hasSize(text.size() + 1);
    for (int i = 0; i < text.size(); i++) {
      String[] nv = text.get(i).split(": ", 2);
      assertThat(lines.get(i + 1)).isEqualTo(String.format("%-" + valueAt + "s%s", nv[0], nv[1]));
    }
    assertThat(lines).contains(String.format("%-" + valueAt + "s%s", "backend", "boltdb"));
  }

  @Test
  void membersIsAnIdAddressTable() throws Exception {
    assertOk(lib("rm", "nothing")); // the file, for the watch
    Running watch = start("members", "svc", "-w");
    Running a = start("register", "svc", "a", "10.0.0.1:1");
    Running longer = start("register", "svc", "longer-id", "10.0.0.22:2222");
    try {
      int seen = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (seen != 2 && System.nanoTime() < deadline) {
        seen = 0;
        for (String l = watch.nextLine(WAIT);
            l != null && !l.equals(".");
            l = watch.nextLine(WAIT)) {
          seen++;
        }
      }
      assertThat(seen).as("both registered").isEqualTo(2);
      Result r = lib("members", "svc", "-o", "table");
      assertOk(r);
      assertThat(r.lines())
          .containsExactly(
              "ID         ADDRESS", "a          10.0.0.1:1", "longer-id  10.0.0.22:2222");
    } finally {
      a.stop(WAIT);
      longer.stop(WAIT);
      watch.stop(WAIT);
    }
  }

  @Test
  void aCommandWithoutOutputAndAnUnknownFormatAreUsageErrors() {
    assertError(lib("-o", "table", "rm", "k"), 2, "-o table does not apply to 'libkv rm'");
    Result bad = lib("ls", "-o", "yaml");
    assertError(bad, 2, "[text, json, table]", "'yaml'");
    assertThat(bad.stderr).doesNotContain("Exception");
  }
}
