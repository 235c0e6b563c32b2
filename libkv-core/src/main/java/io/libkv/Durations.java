package io.libkv;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in URIs and on the command line: {@code 500ms}, {@code 5s}, {@code 2m},
 * {@code 1h}, {@code 1m30s}, or ISO-8601 ({@code PT5S}). A bare number is refused: its unit would
 * be a guess.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "duration");
    String t = text.trim();
    if (t.startsWith("P") || t.startsWith("p")) {
      try {
        return Duration.parse(t);
      } catch (DateTimeParseException e) {
        throw invalid(text);
      }
    }
    if (t.isEmpty()) {
      throw invalid(text);
    }
    Matcher m = PART.matcher(t);
    Duration total = Duration.ZERO;
    int pos = 0;
    int lastRank = Integer.MAX_VALUE;
    while (pos < t.length()) {
      if (!m.find(pos) || m.start() != pos) {
        throw invalid(text);
      }
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw invalid(text);
      }
      int rank;
      switch (m.group(2)) {
        case "h":
          total = total.plusHours(n);
          rank = 3;
          break;
        case "m":
          total = total.plusMinutes(n);
          rank = 2;
          break;
        case "s":
          total = total.plusSeconds(n);
          rank = 1;
          break;
        default:
          total = total.plusMillis(n);
          rank = 0;
          break;
      }
      if (rank >= lastRank) {
        throw invalid(text);
      }
      lastRank = rank;
      pos = m.end();
    }
    return total;
  }

  /**
   * Formats a duration as a user types it ({@code 1m30s}, {@code 500ms}, {@code 10s}): every
   * message that shows a duration goes through here, never {@link Duration#toString()}'s ISO form.
   * A part below a millisecond is shown as a decimal fraction of one ({@code 0.5ms}).
   */
  public static String format(Duration d) {
    Objects.requireNonNull(d, "duration");
    if (d.isZero()) {
      return "0s";
    }
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    StringBuilder b = new StringBuilder();
    long h = d.toHours();
    int m = d.toMinutesPart();
    int s = d.toSecondsPart();
    int ms = d.toMillisPart();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (s > 0) {
      b.append(s).append('s');
    }
    int subMillis = d.toNanosPart() % 1_000_000;
    if (subMillis > 0) {
      String fraction = String.format("%06d", subMillis).replaceAll("0+$", "");
      b.append(ms).append('.').append(fraction).append("ms");
    } else if (ms > 0) {
      b.append(ms).append("ms");
    }
    return b.toString();
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid duration \""
            + text
            + "\": use a number with a unit (500ms, 5s, 2m, 1h, 1m30s) or ISO-8601 (PT5S)");
  }
}
