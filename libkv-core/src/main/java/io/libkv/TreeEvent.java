package io.libkv;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An event of a watch on a directory: every pair below it after the change, sorted by key (UTF-8
 * byte order), and what changed.
 *
 * <p>The first event is {@link EventType#CURRENT} ({@link EventType#ABSENT} when nothing is below
 * the directory) with no changes. Change events have type {@link EventType#PUT} or {@link
 * EventType#DELETE} (that of the last change when several were coalesced); {@link EventType#RESYNC}
 * and {@link EventType#RESET} carry the re-read state.
 */
public final class TreeEvent {
  private final EventType type;
  private final String directory;
  private final List<KVPair> pairs;
  private final List<Change> changes;
  private final long index;

  private TreeEvent(
      EventType type, String directory, List<KVPair> pairs, List<Change> changes, long index) {
    this.type = Objects.requireNonNull(type, "type");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.pairs = List.copyOf(pairs);
    this.changes = List.copyOf(changes);
    this.index = index;
  }

  /**
   * Creates an event.
   *
   * @param type the type
   * @param directory the canonical directory watched ("" for the root)
   * @param pairs the pairs below it after the event, sorted by key
   * @param changes what changed, sorted by key (empty for CURRENT, ABSENT)
   * @param index the store index of the event
   */
  public static TreeEvent of(
      EventType type, String directory, List<KVPair> pairs, List<Change> changes, long index) {
    return new TreeEvent(type, directory, pairs, changes, index);
  }

  /** The event's type. */
  public EventType type() {
    return type;
  }

  /** The canonical directory watched ("" for the root). */
  public String directory() {
    return directory;
  }

  /** Every pair below the directory after the event, sorted by key. */
  public List<KVPair> pairs() {
    return pairs;
  }

  /** What changed in this event, sorted by key. */
  public List<Change> changes() {
    return changes;
  }

  /** The store index of the event. */
  public long index() {
    return index;
  }

  @Override
  public String toString() {
    return "TreeEvent{"
        + type
        + " "
        + directory
        + " @"
        + index
        + ", "
        + pairs.size()
        + " pairs, changes="
        + changes
        + "}";
  }

  /** One key's change within a {@link TreeEvent}. */
  public static final class Change {
    private final String key;
    private final EventType type;
    private final @Nullable KVPair pair;

    private Change(String key, EventType type, @Nullable KVPair pair) {
      this.key = Objects.requireNonNull(key, "key");
      this.type = Objects.requireNonNull(type, "type");
      this.pair = pair;
    }

    /** A put of {@code pair}. */
    public static Change put(KVPair pair) {
      return new Change(pair.key(), EventType.PUT, pair);
    }

    /** A delete of {@code key}. */
    public static Change delete(String key) {
      return new Change(key, EventType.DELETE, null);
    }

    /** The canonical key. */
    public String key() {
      return key;
    }

    /** {@link EventType#PUT} or {@link EventType#DELETE}. */
    public EventType type() {
      return type;
    }

    /** The new pair of a put. */
    public Optional<KVPair> pair() {
      return Optional.ofNullable(pair);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (!(o instanceof Change)) {
        return false;
      }
      Change c = (Change) o;
      return key.equals(c.key) && type == c.type && Objects.equals(pair, c.pair);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, type, pair);
    }

    @Override
    public String toString() {
      return type + " " + key;
    }
  }
}
