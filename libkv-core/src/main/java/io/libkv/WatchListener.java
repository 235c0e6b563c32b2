package io.libkv;

/**
 * Receives a watch's events on an executor, one at a time and in order.
 *
 * <p>Listeners must not block for long: while one runs, later events of the same watch wait (and
 * are coalesced past the buffer).
 *
 * @param <E> {@link KeyEvent} or {@link TreeEvent}
 */
@FunctionalInterface
public interface WatchListener<E> {
  /** Called for each event. */
  void onEvent(E event);

  /** Called once if the watch fails; no event follows. */
  default void onError(KVException error) {}
}
