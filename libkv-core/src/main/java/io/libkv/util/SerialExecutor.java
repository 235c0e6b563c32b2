package io.libkv.util;

import io.libkv.spi.Coalescers;
import io.libkv.spi.EventChannel;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in the order they were offered, on another executor: how a component
 * built on a {@link io.libkv.Store} (a leader election, a membership view) calls its listener on
 * the user's executor without two calls overlapping or overtaking each other, whatever thread
 * reported the change. Nothing is dropped or merged; a task that throws is logged and the next one
 * runs. After {@link #close()} tasks not yet started are dropped and new ones refused.
 */
public final class SerialExecutor implements AutoCloseable {
  // a watch channel in listener mode already delivers in order, one at a time; unbounded, it never
  // merges
  private final EventChannel<Runnable> tasks;

  private SerialExecutor(String name, Executor executor) {
    this.tasks =
        EventChannel.listening(
            name, Integer.MAX_VALUE, Coalescers.latest(), Runnable::run, executor);
  }

  /**
   * A serial executor named {@code name} (in log messages) running its tasks on {@code executor}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static SerialExecutor on(String name, Executor executor) {
    return new SerialExecutor(
        Objects.requireNonNull(name, "name"), Objects.requireNonNull(executor, "executor"));
  }

  /**
   * Queues {@code task} to run after every task offered before it; never blocks.
   *
   * @return false, running nothing, once closed, or if the executor refused a run (which closes
   *     this one)
   */
  public boolean offer(Runnable task) {
    return tasks.offer(Objects.requireNonNull(task, "task"));
  }

  /** Whether tasks are still accepted. */
  public boolean isOpen() {
    return tasks.isOpen();
  }

  /** Drops the tasks not yet started and refuses new ones; a task running goes on. Idempotent. */
  @Override
  public void close() {
    tasks.close();
  }

  @Override
  public String toString() {
    return "SerialExecutor{" + tasks + "}";
  }
}
