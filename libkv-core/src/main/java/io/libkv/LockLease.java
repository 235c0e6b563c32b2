package io.libkv;

import java.util.concurrent.CompletableFuture;

/**
 * A held lock. {@link #close()} unlocks (once; later calls do nothing).
 *
 * <p>Pass {@link #fencingToken()} to whatever the holder writes, so a store of data can reject a
 * stale holder's late writes. {@link #lost()} completes when the lock is lost before unlock (the
 * holder's session expired, its lease could not be renewed, the connection was suspended, its store
 * closed) — before another holder can be granted wherever the client can know it.
 *
 * <p>The lease has a deadline: the monotonic time at which the last renewal that succeeded was
 * sent, plus the span the server then guaranteed (an etcd lease's TTL, a ZooKeeper session's
 * negotiated timeout, a Consul session's TTL, a bbolt lock record's TTL), minus a safety margin of
 * a third of that span. {@link #isHeld()} and {@link #checkHeld()} compare the clock with it
 * themselves, on the caller's thread: a holder that was paused (SIGSTOP, a long GC pause, a stopped
 * VM) past it learns at its first check after resuming that the lock is lost, even before any timer
 * or event thread of the client has run. {@link #lost()} completes at the first such check or at a
 * timer set for the deadline, whichever comes first.
 */
public interface LockLease extends AutoCloseable {
  /** The lock's canonical key. */
  String key();

  /** A token strictly greater than that of every earlier holder of this key. */
  long fencingToken();

  /** Completes (normally) when the lock is lost before it was unlocked; never after an unlock. */
  CompletableFuture<Void> lost();

  /**
   * Whether the lock is still held: not unlocked, not lost, and the deadline of its last confirmed
   * renewal not reached (if it is, the lock is declared lost here and {@link #lost()} completes).
   */
  boolean isHeld();

  /**
   * Returns normally if the lock is still held, as {@link #isHeld()}; call it right before acting
   * on the lock.
   *
   * @throws LockLostException if the lock was lost before it was unlocked (its deadline passed, its
   *     session or lease ended, its store closed)
   * @throws IllegalStateException if the lock was unlocked through this lease
   */
  void checkHeld();

  /**
   * Unlocks: the key, if it still holds the lock's own write, and any queue entry are removed.
   * Idempotent.
   *
   * @throws KVException if the store cannot be reached (the lock then expires with its TTL)
   */
  @Override
  void close();
}
