package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.KeyModifiedException;
import io.libkv.Store;
import io.libkv.UpdateConflictException;
import io.libkv.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads adding 1 to a decimal counter with a read-then-compare-and-set loop, for the counter
 * benchmarks of each backend: the workers, their attempt times, and the two ways a user writes the
 * loop with this library.
 */
final class Contention {
  /** Where the get-then-set loops stop (never reached in practice; a bound, not a setting). */
  static final int MAX_ATTEMPTS = 10_000;

  private Contention() {}

  /** One way to add 1 to the counter; returns the attempts it took, recording each one's time. */
  @FunctionalInterface
  interface Increment {
    int run(Attempts attempts) throws Exception;
  }

  /** A thread's attempt times, in nanoseconds. */
  static final class Attempts {
    private long[] nanos = new long[1 << 16];
    private int n;
    private long start = System.nanoTime();

    /** Ends the attempt that began at the last {@link #next} (or the increment's start). */
    void next() {
      long now = System.nanoTime();
      if (n == nanos.length) {
        nanos = Arrays.copyOf(nanos, n * 2);
      }
      nanos[n++] = now - start;
      start = now;
    }
  }

  /**
   * What the workers of one run did.
   *
   * @param successes increments that succeeded
   * @param attempts attempts of all increments, given up ones included
   * @param gaveUp increments {@code store.update} gave up on after its bound of attempts
   * @param seconds the run's length
   * @param nanos every attempt's time, unsorted
   */
  record Workers(long successes, long attempts, long gaveUp, double seconds, long[] nanos) {
    double perSecond() {
      return successes / seconds;
    }

    double attemptsPerSuccess() {
      return attempts / (double) successes;
    }
  }

  /** Runs {@code threads} workers repeating {@code inc} for {@code seconds}. */
  static Workers run(int threads, int seconds, Increment inc) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong successes = new AtomicLong();
    AtomicLong attempts = new AtomicLong();
    AtomicLong gaveUp = new AtomicLong();
    List<Attempts> perThread = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < threads; i++) {
      Attempts a = new Attempts();
      perThread.add(a);
      Thread t =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < end) {
                    a.start = System.nanoTime();
                    try {
                      attempts.addAndGet(inc.run(a));
                      successes.incrementAndGet();
                    } catch (UpdateConflictException e) {
                      // store.update's bound of attempts (32 by default) passed: counted apart
                      attempts.addAndGet(e.attempts());
                      gaveUp.incrementAndGet();
                    }
                  }
                } catch (Exception e) {
                  failures.add(e);
                }
              });
      workers.add(t);
      t.start();
    }
    for (Thread t : workers) {
      t.join();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a worker failed", failures.get(0));
    }
    long[] nanos = perThread.stream().flatMapToLong(a -> Arrays.stream(a.nanos, 0, a.n)).toArray();
    return new Workers(successes.get(), attempts.get(), gaveUp.get(), elapsed, nanos);
  }

  /** {@code store.update}: its read, then commits; a conflict brings the winner's pair back. */
  static int update(Store store, String key, Attempts a) {
    int[] calls = {0};
    store.update(
        key,
        current -> {
          if (calls[0]++ > 0) {
            a.next(); // the previous attempt ended in a conflict (and, later on, a backoff)
          }
          return bytes(value(current.orElseThrow().value()) + 1);
        });
    a.next();
    return calls[0];
  }

  /** Go libkv's loop, through this library: get, compare-and-set, again on a conflict. */
  static int getThenAtomicPut(Store store, String key, Attempts a) {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      KVPair p = store.get(key);
      try {
        store.atomicPut(key, bytes(value(p.value()) + 1), p, WriteOptions.DEFAULT);
        a.next();
        return attempt;
      } catch (KeyModifiedException e) {
        a.next(); // modified since the get
      }
    }
    throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
  }

  /** The counter's bytes. */
  static byte[] bytes(long v) {
    return Long.toString(v).getBytes(StandardCharsets.UTF_8);
  }

  /** The counter a value holds. */
  static long value(byte[] v) {
    return Long.parseLong(new String(v, StandardCharsets.UTF_8));
  }
}
