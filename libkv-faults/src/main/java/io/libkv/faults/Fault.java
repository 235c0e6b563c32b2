package io.libkv.faults;

/**
 * A fault injected into a {@link FaultInjectingStore}, as long as it is active: {@link #close()}
 * removes it (idempotent), and so does {@link FaultInjectingStore#heal()}. A fault limited to a
 * number of calls ({@link Calls#first(long)}) becomes inactive by itself once used up.
 */
public interface Fault extends AutoCloseable {
  /** How many calls this fault has acted on so far. */
  long fired();

  /** Whether the fault still acts on calls: not closed, healed or used up. */
  boolean isActive();

  /** Removes the fault; calls after it are not affected by it. Idempotent. */
  @Override
  void close();
}
