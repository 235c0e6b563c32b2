package io.libkv.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * How SIGINT/SIGTERM end a long-running command cleanly.
 *
 * <p>The JVM turns those signals into its shutdown sequence (and an exit status of 130/143). A
 * command that runs until stopped ({@code watch}, {@code put --keep-alive}, {@code lock}) registers
 * a stop action; the shutdown hook runs it, waits for the command to wind down on its own thread
 * (closing its store, so ephemeral keys go and locks are released) and then ends the JVM with the
 * command's own exit code. Commands without a stop action keep the JVM's default behaviour.
 * In-process tests call {@link #requestStop()} instead of sending a signal.
 */
final class Termination {
  private final Object lock = new Object();
  private final CompletableFuture<Integer> result = new CompletableFuture<>();
  private @Nullable Runnable stopAction;
  private boolean stopping;
  private boolean exiting;

  /** Registers what stops the running command. If a stop was already requested, runs it at once. */
  void onStop(Runnable action) {
    boolean runNow;
    synchronized (lock) {
      stopAction = action;
      runNow = stopping;
    }
    if (runNow) {
      action.run();
    }
  }

  /** Whether a stop was requested. */
  boolean stopRequested() {
    synchronized (lock) {
      return stopping;
    }
  }

  /**
   * Asks the running command to stop, as a signal does.
   *
   * @return whether a stop action took charge (the command will finish with its own code)
   */
  boolean requestStop() {
    Runnable action;
    synchronized (lock) {
      if (exiting || stopping) {
        return false;
      }
      stopping = true;
      action = stopAction;
    }
    if (action != null) {
      action.run();
    }
    return action != null;
  }

  /**
   * Hands over the command's exit code.
   *
   * @return true if the caller should exit the JVM with it; false if a stop is in charge (the
   *     shutdown hook ends the JVM with it, and {@code System.exit} would block forever)
   */
  boolean finish(int code) {
    synchronized (lock) {
      result.complete(code);
      if (stopping && stopAction != null) {
        return false;
      }
      exiting = true;
      return true;
    }
  }

  /** Waits for the command's exit code after a stop. */
  int awaitResult() {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.OTHER;
    } catch (ExecutionException e) {
      return ExitCodes.OTHER;
    }
  }

  /** Installs the JVM shutdown hook that maps SIGINT/SIGTERM onto {@link #requestStop()}. */
  void installShutdownHook(Runnable flush) {
    Thread hook =
        new Thread(
            () -> {
              if (!requestStop()) {
                return;
              }
              int code = awaitResult();
              flush.run();
              // System.exit would block inside a shutdown hook; halt sets the status the command
              // chose
              Runtime.getRuntime().halt(code);
            },
            "libkv-signal");
    Runtime.getRuntime().addShutdownHook(hook);
  }
}
