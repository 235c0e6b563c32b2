package io.libkv.bench;

import java.util.Arrays;

/** What the interleaved benchmark programs share: an operation, its time per run, a median. */
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
}
