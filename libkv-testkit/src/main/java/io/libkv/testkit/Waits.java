package io.libkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.libkv.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Bounded waiting: for conditions, watch events and worker threads. Nothing here sleeps blindly.
 */
final class Waits {
  private static final Duration POLL = Duration.ofMillis(10);

  private Waits() {}

  /**
   * An Awaitility condition bounded by {@code bound}, polled in the calling thread (so waiting
   * starts no thread the leak check would have to tell apart from the store's).
   */
  static ConditionFactory within(Duration bound) {
    return Awaitility.await()
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(POLL)
        .atMost(bound);
  }

  /**
   * Asserts that {@code condition} holds at every poll for all of {@code period}, failing at the
   * first poll where it does not (stricter than Awaitility's {@code during}, which restarts).
   */
  static void holdsFor(Duration period, String what, BooleanSupplier condition) {
    long start = System.nanoTime();
    long end = start + period.toNanos();
    while (true) {
      assertThat(condition.getAsBoolean())
          .as("%s, %s ms into a hold of %s", what, (System.nanoTime() - start) / 1_000_000, period)
          .isTrue();
      if (System.nanoTime() >= end) {
        return;
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  /** The next event of {@code watch}, which must arrive within {@code bound}. */
  static <E> E next(Watch<E> watch, Duration bound) throws InterruptedException {
    Optional<E> e = watch.poll(bound);
    if (e.isEmpty()) {
      fail("no event from " + watch + " within " + bound);
    }
    return e.get();
  }

  /**
   * Takes events until one matches {@code p} (returned), within {@code bound} in all; every event
   * taken, the match included, is added to {@code seen}.
   */
  static <E> E until(Watch<E> watch, Predicate<? super E> p, Duration bound, List<E> seen)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Optional<E> e = left > 0 ? watch.poll(Duration.ofNanos(left)) : Optional.empty();
      if (e.isEmpty()) {
        return fail(
            "no matching event from " + watch + " within " + bound + "; events seen: " + seen);
      }
      seen.add(e.get());
      if (p.test(e.get())) {
        return e.get();
      }
    }
  }

  /** Like {@link #until(Watch, Predicate, Duration, List)}, returning every event taken. */
  static <E> List<E> until(Watch<E> watch, Predicate<? super E> p, Duration bound)
      throws InterruptedException {
    List<E> seen = new ArrayList<>();
    until(watch, p, bound, seen);
    return seen;
  }

  /** Asserts that {@code watch} delivers nothing for {@code period}. */
  static void quiet(Watch<?> watch, Duration period) throws InterruptedException {
    assertThat(watch.poll(period)).as("event from %s, where none was due", watch).isEmpty();
  }

  /** A worker's body; {@code i} is its number. */
  @FunctionalInterface
  interface Worker {
    void run(int i) throws Exception;
  }

  /**
   * Runs {@code n} workers on threads of their own, started together, and waits for all of them
   * within {@code bound}; rethrows the first failure with the others suppressed.
   */
  static void inParallel(int n, Duration bound, Worker worker) throws InterruptedException {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int id = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  worker.run(id);
                } catch (Throwable e) {
                  failures.add(e);
                }
              },
              "kit-worker-" + i);
      threads.add(t);
      t.start();
    }
    start.countDown();
    long deadline = System.nanoTime() + bound.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    List<Thread> stuck = threads.stream().filter(Thread::isAlive).toList();
    if (!stuck.isEmpty()) {
      stuck.forEach(Thread::interrupt);
      for (Thread t : stuck) {
        t.join(bound.toMillis());
      }
      fail(
          stuck.size()
              + " of "
              + n
              + " workers did not finish within "
              + bound
              + "; failures: "
              + failures);
    }
    if (!failures.isEmpty()) {
      AssertionError e =
          new AssertionError(failures.size() + " of " + n + " workers failed", failures.get(0));
      failures.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
  }
}
