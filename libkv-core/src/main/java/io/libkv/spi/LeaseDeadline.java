package io.libkv.spi;

import io.libkv.TimeSource;

/**
 * Until when a held lock is known to be its holder's: the monotonic time at which the last renewal
 * (or other confirmation) that succeeded was sent, plus the span the server then guaranteed, minus
 * the keep-alive's safety margin. A backend gives one to each {@link AbstractLockLease}, which
 * compares it with the clock on every {@code isHeld()}.
 */
public interface LeaseDeadline {
  /** The clock {@link #confirmedUntil()} is read on. */
  TimeSource time();

  /**
   * The {@link TimeSource#nanoTime()} from which on the lock must be taken as lost. It only moves
   * forward while confirmations succeed; a confirmation sent after it passed does not move it.
   */
  long confirmedUntil();
}
