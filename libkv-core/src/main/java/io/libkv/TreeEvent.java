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
 *
 * <p>Besides the change, an event tells about its own delivery: {@link #receivedNanos()} and {@link
 * #coalesced()}. A tree event is equal only to itself.
 */
public final class TreeEvent {
  private final EventType type;
  private final String directory;
  private final List<KVPair> pairs;
  private final List<Change> changes;
  private final long index;
  private final long receivedNanos;
  private final long coalesced;

  private TreeEvent(
      EventType type,
      String directory,
      List<KVPair> pairs,
      List<Change> changes,
      long index,
      long receivedNanos,
      long coalesced) {
    this.type = Objects.requireNonNull(type, "type");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.pairs = List.copyOf(pairs);
    this.changes = List.copyOf(changes);
    this.index = index;
    this.receivedNanos = receivedNanos;
    this.coalesced = coalesced;
  }

  /**
   * Creates an event received now ({@link #receivedNanos()} is {@link System#nanoTime()}) and
   * standing for itself alone.
   *
   * @param type the type
   * @param directory the canonical directory watched ("" for the root)
   * @param pairs the pairs below it after the event, sorted by key
   * @param changes what changed, sorted by key (empty for CURRENT, ABSENT)
   * @param index the store index of the event
   */
  public static TreeEvent of(
      EventType type, String directory, List<KVPair> pairs, List<Change> changes, long index) {
    return new TreeEvent(type, directory, pairs, changes, index, System.nanoTime(), 0);
  }

  /**
   * This event, received at {@code nanos} instead.
   *
   * @param nanos a {@link System#nanoTime()} reading of this JVM
   */
  public TreeEvent withReceivedNanos(long nanos) {
    return new TreeEvent(type, directory, pairs, changes, index, nanos, coalesced);
  }

  /**
   * This event, standing for {@code n} earlier events merged into it.
   *
   * @throws IllegalArgumentException if {@code n} is negative
   */
  public TreeEvent withCoalesced(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("coalesced must be >= 0, was " + n);
    }
    return new TreeEvent(type, directory, pairs, changes, index, receivedNanos, n);
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

  /**
   * When the store received the change, as a {@link System#nanoTime()} reading of this JVM: when
   * the backend handed it to its watches (a state read for CURRENT, ABSENT, RESYNC, RESET; the
   * resumption for changes a resumed watch replays). A coalesced event has the time of the oldest
   * event merged into it. Compare it only with other {@code nanoTime} readings of the same JVM.
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
        + (coalesced == 0 ? "" : ", " + coalesced + " coalesced")
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
