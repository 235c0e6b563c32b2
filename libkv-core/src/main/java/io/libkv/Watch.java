package io.libkv;

import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running watch: a stream of events a consumer takes at its own pace.
 *
 * <p>Take events with {@link #take()}, {@link #poll(Duration)} or by iterating. The stream ends
 * cleanly when the watch or its store is closed (iteration stops, {@code take} throws {@link
 * IllegalStateException}, {@link #done()} completes normally), or with an error: a watch that
 * cannot continue (an unrecoverable store error) delivers the events it already had, then throws
 * its error from {@code take}/{@code poll}/the iterator; {@link #failure()} and {@link #done()}
 * report it too. It never just goes silent.
 *
 * <p>A watch never blocks the backend: when the consumer falls behind by more than the buffer,
 * intermediate events are coalesced and the latest state is kept.
 *
 * @param <E> {@link KeyEvent} or {@link TreeEvent}
 */
public interface Watch<E> extends AutoCloseable, Iterable<E> {
  /**
   * Waits for the next event.
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws KVException the watch's terminal error, once buffered events are taken
   * @throws IllegalStateException if the watch was closed
   */
  E take() throws InterruptedException;

  /**
   * Waits up to {@code timeout} for the next event.
   *
   * @return the event, or empty on timeout
   * @throws InterruptedException if interrupted while waiting
   * @throws KVException the watch's terminal error, once buffered events are taken
   * @throws IllegalStateException if the watch was closed
   */
  Optional<E> poll(Duration timeout) throws InterruptedException;

  /**
   * Blocks for events; {@code hasNext()} returns false once the watch is closed and throws the
   * terminal error if it failed. An interrupt ends the iteration with the thread's interrupt flag
   * set.
   */
  @Override
  Iterator<E> iterator();

  /** Whether the watch still delivers events (not closed, not failed). */
  boolean isOpen();

  /** The terminal error, if the watch failed. */
  Optional<KVException> failure();

  /** Completes normally when the watch is closed, exceptionally when it fails. */
  CompletableFuture<Void> done();

  /** Stops the watch and frees its resources; idempotent. */
  @Override
  void close();
}
