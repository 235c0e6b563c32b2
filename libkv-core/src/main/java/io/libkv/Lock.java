package io.libkv;

import java.time.Duration;
import java.util.Optional;

/**
 * A distributed lock on one key, made by {@link Store#newLock(String, LockOptions)}.
 *
 * <p>At most one holder per key across all clients. While held the key holds the lock's value;
 * after unlock it is gone.
 *
 * <p>A lock never overwrites or deletes a value it did not write: a key holding a value the lock
 * did not write (plain, ephemeral or expiring, there before or appearing while waiting) counts as
 * held by its writer; {@link #tryLock} times out (empty) and {@link #lock} waits until the key is
 * deleted, then acquires. Unlock deletes only the lock's own write: a value put on the key while
 * the lock is held, or after it was lost, stays.
 *
 * <p>Not reentrant: a second acquisition through the same {@code Lock} while it is held or being
 * acquired fails with {@link IllegalStateException}. Waiting never polls in a busy loop and is
 * cancellable by interrupt.
 */
public interface Lock {
  /** The lock's canonical key. */
  String key();

  /**
   * Acquires the lock, waiting as long as it takes.
   *
   * @return the held lease; close it to unlock
   * @throws InterruptedException if interrupted while waiting (nothing is left held or queued)
   * @throws IllegalStateException if this lock is already held or being acquired
   * @throws KVException if the store fails
   */
  LockLease lock() throws InterruptedException;

  /**
   * Acquires the lock if it becomes free within {@code timeout}.
   *
   * @return the held lease, or empty when the wait timed out
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if this lock is already held or being acquired
   * @throws KVException if the store fails
   */
  Optional<LockLease> tryLock(Duration timeout) throws InterruptedException;
}
