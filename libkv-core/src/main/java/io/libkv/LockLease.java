package io.libkv;

import java.util.concurrent.CompletableFuture;

/**
 * A held lock. {@link #close()} unlocks (once; later calls do nothing).
 *
 * <p>Pass {@link #fencingToken()} to whatever the holder writes, so a store of data can reject a
 * stale holder's late writes. {@link #lost()} completes when the lock is lost before unlock (the
 * holder's session expired, its lease could not be renewed, the connection was suspended, its store
 * closed) — before another holder can be granted wherever the client can know it.
 */
public interface LockLease extends AutoCloseable {
  /** The lock's canonical key. */
  String key();

  /** A token strictly greater than that of every earlier holder of this key. */
  long fencingToken();

  /** Completes (normally) when the lock is lost before it was unlocked; never after an unlock. */
  CompletableFuture<Void> lost();

  /** Whether the lock is still held: not unlocked and not lost. */
  boolean isHeld();

  /**
   * Unlocks: the key, if it still holds the lock's own write, and any queue entry are removed.
   * Idempotent.
   *
   * @throws KVException if the store cannot be reached (the lock then expires with its TTL)
   */
  @Override
  void close();
}
