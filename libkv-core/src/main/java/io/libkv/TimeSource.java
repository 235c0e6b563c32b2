package io.libkv;

import java.time.Duration;

/**
 * Time and timers for TTL, keep-alive and lock logic, injectable so tests need not sleep.
 *
 * @see ManualTimeSource
 */
public interface TimeSource {
  /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /**
   * Runs {@code task} once after {@code delay}; the task must be short and must not block.
   *
   * @return a handle whose {@code close()} cancels the task if it has not run
   */
  Subscription schedule(Runnable task, Duration delay);

  /** The system clock with one shared daemon timer thread ({@code libkv-timer}). */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
