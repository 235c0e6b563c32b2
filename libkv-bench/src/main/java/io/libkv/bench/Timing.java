package io.libkv.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What the interleaved benchmark programs share: an operation, its time per run, medians and
 * ranges, and a run of a Go comparison program.
 */
final class Timing {
  private Timing() {}

  /** One run of a measured operation. */
  @FunctionalInterface
  interface Op {
    void run() throws Exception;
  }

  /** Microseconds per run of {@code op} over {@code runs} runs. */
  static double microsPerOp(Op op, int runs) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      op.run();
    }
    return (System.nanoTime() - t0) / 1e3 / runs;
  }

  /** The median of {@code v} (left unchanged). */
  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** The median of {@code l} (left unchanged). */
  static double median(List<Double> l) {
    List<Double> s = new ArrayList<>(l);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** "min-max over N rounds" of ratios. */
  static String range(List<Double> l) {
    return String.format(
        "%.2f-%.2f over %d rounds", Collections.min(l), Collections.max(l), l.size());
  }

  /**
   * Runs a Go comparison program, which prints "MODE RATE" as its last line, and returns the rate;
   * its output in the failure when it exits with another status than 0.
   */
  static double goRate(String... command) throws Exception {
    String[] words = goOutput(command);
    return Double.parseDouble(words[words.length - 1]);
  }

  /**
   * Runs a Go comparison program and returns the words of its output (its figures are the last
   * ones); its output in the failure when it exits with another status than 0.
   */
  static String[] goOutput(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out.split("\\s+");
  }
}
