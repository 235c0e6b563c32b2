package io.libkv.etcd.internal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a future within a bound, ignoring interrupts but keeping them for the caller. Every
 * call to etcd is bounded by its deadline, and abandoning one half-way (a sent write, a queue entry
 * being created) would leave state behind that nobody cleans up; a lock wait then ends on the
 * interrupt at its next blocking point.
 */
final class Uninterruptibly {
  private Uninterruptibly() {}

  static <T> T get(Future<T> f, long timeoutNanos) throws ExecutionException, TimeoutException {
    boolean interrupted = false;
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      while (true) {
        try {
          return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
