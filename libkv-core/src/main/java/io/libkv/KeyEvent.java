package io.libkv;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An event of a watch on one key: its type, the key, the pair when the key exists, and the index.
 *
 * <p>Indexes never go backwards within a watch, except across a {@link EventType#RESET}.
 */
public final class KeyEvent {
  private final EventType type;
  private final String key;
  private final @Nullable KVPair pair;
  private final long index;

  private KeyEvent(EventType type, String key, @Nullable KVPair pair, long index) {
    this.type = Objects.requireNonNull(type, "type");
    this.key = Objects.requireNonNull(key, "key");
    this.pair = pair;
    this.index = index;
  }

  /**
   * Creates an event.
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
    return new KeyEvent(type, key, pair, index);
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
    return "KeyEvent{" + type + " " + key + " @" + index + (pair == null ? "" : " " + pair) + "}";
  }
}
