package io.libkv.testkit.servers;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration} and {@code Duration.String()}, as Consul applies them to session
 * TTLs and lock delays, so the emulator accepts and prints exactly what an agent does.
 */
final class GoDurations {
  private static final Pattern PART =
      Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)");

  private GoDurations() {}

  /**
   * Parses a Go duration ("300ms", "1.5h", "2h45m", "0").
   *
   * @throws IllegalArgumentException with Go's message when the text is not a duration
   */
  static Duration parse(String text) {
    String s = text;
    boolean negative = false;
    if (s.startsWith("-") || s.startsWith("+")) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(text);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher m = PART.matcher(s);
    int pos = 0;
    while (pos < s.length()) {
      if (!m.find(pos) || m.start() != pos || m.group(1).isEmpty() || m.group(1).equals(".")) {
        if (pos < s.length() && !Character.isDigit(s.charAt(pos)) && s.charAt(pos) != '.') {
          throw invalid(text);
        }
        throw new IllegalArgumentException("time: missing unit in duration \"" + text + "\"");
      }
      BigDecimal n = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1));
      long unit;
      switch (m.group(2)) {
        case "ns":
          unit = 1;
          break;
        case "us":
        case "\u00b5s":
        case "\u03bcs":
          unit = 1_000;
          break;
        case "ms":
          unit = 1_000_000;
          break;
        case "s":
          unit = 1_000_000_000L;
          break;
        case "m":
          unit = 60_000_000_000L;
          break;
        default:
          unit = 3_600_000_000_000L;
          break;
      }
      nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
      pos = m.end();
    }
    long total = nanos.longValue();
    return Duration.ofNanos(negative ? -total : total);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("time: invalid duration \"" + text + "\"");
  }

  /** Formats as Go's {@code Duration.String()}: "10s", "1.5s", "500ms", "24h0m0s". */
  static String format(Duration d) {
    long n = d.toNanos();
    if (n == 0) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    if (n < 0) {
      b.append('-');
      n = -n;
    }
    if (n < 1_000_000_000L) {
      if (n < 1_000) {
        return b.append(n).append("ns").toString();
      }
      if (n < 1_000_000) {
        return b.append(fraction(n, 1_000)).append("\u00b5s").toString();
      }
      return b.append(fraction(n, 1_000_000)).append("ms").toString();
    }
    long hours = n / 3_600_000_000_000L;
    long rest = n % 3_600_000_000_000L;
    long minutes = rest / 60_000_000_000L;
    long secNanos = rest % 60_000_000_000L;
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      b.append(minutes).append('m');
    }
    return b.append(fraction(secNanos, 1_000_000_000L)).append('s').toString();
  }

  private static String fraction(long value, long unit) {
    BigDecimal v = BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit));
    String s = v.stripTrailingZeros().toPlainString();
    return s;
  }
}
