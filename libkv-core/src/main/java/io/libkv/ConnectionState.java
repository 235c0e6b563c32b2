package io.libkv;

/**
 * A store's connection health, as reported to connection listeners.
 *
 * <p>{@link #SUSPENDED} means the connection is interrupted and may come back: sessions, leases and
 * locks may or may not survive, so locks treat it as loss. {@link #LOST} means the session or lease
 * is gone: ephemeral keys and locks of this store are gone.
 */
public enum ConnectionState {
  /** First connected. */
  CONNECTED,
  /** Interrupted; may come back. */
  SUSPENDED,
  /** Session or lease gone. */
  LOST,
  /** Connected again after {@link #SUSPENDED} or {@link #LOST}. */
  RECONNECTED
}
