package io.libkv;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An event of a watch on one key: its type, the key, the pair when the key exists, and the index.
 *
 * <p>Indexes never go backwards within a watch, except across a {@link EventType#RESET}.
 *
 * <p>Besides the change, an event tells about its own delivery: {@link #receivedNanos()} and {@link
 * #coalesced()}. These take no part in {@link #equals} and {@link #hashCode}: two events equal when
 * they say the same thing about the key, however and whenever they were delivered.
 */
public final class KeyEvent {
  private final EventType type;
  private final String key;
  private final @Nullable KVPair pair;
  private final long index;
  private final long receivedNanos;
  private final long coalesced;

  private KeyEvent(
      EventType type,
      String key,
      @Nullable KVPair pair,
      long index,
      long receivedNanos,
      long coalesced) {
    this.type = Objects.requireNonNull(type, "type");
    this.key = Objects.requireNonNull(key, "key");
    this.pair = pair;
    this.index = index;
    this.receivedNanos = receivedNanos;
    this.coalesced = coalesced;
  }

  /**
   * Creates an event received now ({@link #receivedNanos()} is {@link System#nanoTime()}) and
   * standing for itself alone.
   *
   * @param type the type
   * @param key the canonical key
   * @param pair the key's pair when it exists after the event, else null
   * @param index the store index the event happened at (0 when the backend has none)
   * @throws IllegalArgumentException if the pair's presence contradicts the type
   */
  public static KeyEvent of(EventType type, String key, @Nullable KVPair pair, long index) {
    if ((type == EventType.ABSENT || type == EventType.DELETE) && pair != null) {
      throw new IllegalArgumentException(type + " event carries no pair");
    }
    if ((type == EventType.CURRENT || type == EventType.PUT) && pair == null) {
      throw new IllegalArgumentException(type + " event needs a pair");
    }
    return new KeyEvent(type, key, pair, index, System.nanoTime(), 0);
  }

  /**
   * This event, received at {@code nanos} instead.
   *
   * @param nanos a {@link System#nanoTime()} reading of this JVM
   */
  public KeyEvent withReceivedNanos(long nanos) {
    return new KeyEvent(type, key, pair, index, nanos, coalesced);
  }

  /**
   * This event, standing for {@code n} earlier events merged into it.
   *
   * @throws IllegalArgumentException if {@code n} is negative
   */
  public KeyEvent withCoalesced(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("coalesced must be >= 0, was " + n);
    }
    return new KeyEvent(type, key, pair, index, receivedNanos, n);
  }

  /** The event's type. */
  public EventType type() {
    return type;
  }

  /** The canonical key. */
  public String key() {
    return key;
  }

  /** The key's pair after the event; empty when it does not exist. */
  public Optional<KVPair> pair() {
    return Optional.ofNullable(pair);
  }

  /** Whether the key exists after the event. */
  public boolean exists() {
    return pair != null;
  }

  /** The store index of the event. */
  public long index() {
    return index;
  }

  /**
   * When the store received the change, as a {@link System#nanoTime()} reading of this JVM: when
   * the backend handed it to its watches (a state read for CURRENT, ABSENT, RESYNC, RESET; the
   * resumption for changes a resumed watch replays). A coalesced event has the time of the oldest
   * event merged into it, so {@code System.nanoTime() - receivedNanos()} is how long the change
   * that waited longest took to reach the consumer. Compare it only with other {@code nanoTime}
   * readings of the same JVM.
   */
  public long receivedNanos() {
    return receivedNanos;
  }

  /**
   * How many events this one stands for beyond itself: 0, or {@code n} when a consumer slower than
   * the watch's buffer let {@code n} earlier events be merged into it.
   */
  public long coalesced() {
    return coalesced;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof KeyEvent)) {
      return false;
    }
    KeyEvent e = (KeyEvent) o;
    return type == e.type && key.equals(e.key) && Objects.equals(pair, e.pair) && index == e.index;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, key, pair, index);
  }

  @Override
  public String toString() {
    return "KeyEvent{"
        + type
        + " "
        + key
        + " @"
        + index
        + (pair == null ? "" : " " + pair)
        + (coalesced == 0 ? "" : ", " + coalesced + " coalesced")
        + "}";
  }
}
