package io.libkv.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -o table}: a header row of upper-case names, then one row per record, each column starting
 * where its header starts and separated from the next by at least two spaces.
 *
 * <p>A row is always one line: a value ({@code byte[]}) is shown as watch shows it (text, or {@code
 * base64:...} when it holds a control character or is no UTF-8), and any other cell holding a
 * control character is shown in that same base64 form.
 */
final class Table {
  private static final String GAP = "  ";

  private final int columns;
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    columns = header.length;
    rows.add(header.clone());
  }

  /** Adds a row of {@code byte[]} values, strings and numbers, one per column. */
  Table row(Object... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException(
          "a row of " + cells.length + " cells in a table of " + columns + " columns");
    }
    String[] row = new String[columns];
    for (int i = 0; i < columns; i++) {
      row[i] = cell(cells[i]);
    }
    rows.add(row);
    return this;
  }

  /** Whether only the header is there. */
  boolean isEmpty() {
    return rows.size() == 1;
  }

  void print(Output out) {
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], width(row[i]));
      }
    }
    for (String[] row : rows) {
      int last = columns - 1;
      while (last > 0 && row[last].isEmpty()) {
        last--; // empty cells at the end leave no padding behind
      }
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < last; i++) {
        line.append(row[i]).append(" ".repeat(widths[i] - width(row[i]))).append(GAP);
      }
      out.line(line.append(row[last]).toString());
    }
  }

  private static String cell(Object value) {
    if (value instanceof byte[]) {
      return Values.text((byte[]) value);
    }
    String s = String.valueOf(value);
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return Values.printable(bytes).isPresent() ? s : Values.text(bytes);
  }

  /** Columns are counted in code points: one per character, whatever its UTF-16 length. */
  private static int width(String s) {
    return s.codePointCount(0, s.length());
  }
}
