package io.libkv.recipes.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on an object's monitor for a condition, with a deadline. */
public final class Monitors {
  private Monitors() {}

  /**
   * Waits on {@code monitor}, which the caller holds, until {@code done} is true or {@code timeout}
   * has passed; whoever changes what {@code done} reads calls {@code notifyAll()}.
   *
   * @throws InterruptedException if interrupted
   */
  public static void awaitUntil(Object monitor, BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      monitor.wait(left / 1_000_000, (int) (left % 1_000_000));
    }
  }
}
