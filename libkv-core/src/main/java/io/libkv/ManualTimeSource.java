package io.libkv;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A time source that moves only when told: {@link #advance(Duration)} runs every task that falls
 * due, in order, on the calling thread. For tests of TTL and keep-alive logic without sleeping.
 */
public final class ManualTimeSource implements TimeSource {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now;
  private long seq;

  /** A time source at nanoTime 0. */
  public ManualTimeSource() {}

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Subscription schedule(Runnable task, Duration delay) {
    Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, task);
    tasks.add(t);
    return () -> {
      synchronized (ManualTimeSource.this) {
        tasks.remove(t);
      }
    };
  }

  /** Moves time forward by {@code d}, running due tasks (including ones they schedule) in order. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = Math.max(now, next.at);
      }
      next.task.run();
    }
  }

  /** The tasks not yet run (for assertions). */
  public synchronized List<Runnable> pending() {
    List<Runnable> out = new ArrayList<>();
    for (Task t : tasks) {
      out.add(t.task);
    }
    return out;
  }

  private static final class Task implements Comparable<Task> {
    final long at;
    final long seq;
    final Runnable task;

    Task(long at, long seq, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
