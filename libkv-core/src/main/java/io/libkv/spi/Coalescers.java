package io.libkv.spi;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.TreeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * How two queued events become one when a consumer falls behind: the result always carries the
 * later event's state, and an initial, resync or reset event keeps its type so the consumer still
 * learns that the state was (re)read. A merged key or tree event counts the events it stands for
 * ({@code coalesced()}: both events' counts plus one) and keeps the earlier event's {@code
 * receivedNanos()}, so the consumer can tell how long the oldest change it carries waited.
 */
public final class Coalescers {
  private Coalescers() {}

  /** Merges key events. */
  public static final BinaryOperator<KeyEvent> KEY = Coalescers::mergeKey;

  /** Merges tree events (the changes of both, latest per key). */
  public static final BinaryOperator<TreeEvent> TREE = Coalescers::mergeTree;

  private static boolean isSnapshot(EventType t) {
    return t == EventType.CURRENT
        || t == EventType.ABSENT
        || t == EventType.RESYNC
        || t == EventType.RESET;
  }

  private static KeyEvent mergeKey(KeyEvent a, KeyEvent b) {
    return mergedKey(a, b)
        .withReceivedNanos(a.receivedNanos())
        .withCoalesced(a.coalesced() + b.coalesced() + 1);
  }

  private static KeyEvent mergedKey(KeyEvent a, KeyEvent b) {
    if (b.type() == EventType.RESET || !isSnapshot(a.type())) {
      return b;
    }
    KVPair p = b.pair().orElse(null);
    EventType t = a.type();
    if (t == EventType.CURRENT || t == EventType.ABSENT) {
      t = p == null ? EventType.ABSENT : EventType.CURRENT;
    }
    return KeyEvent.of(t, b.key(), p, b.index());
  }

  private static TreeEvent mergeTree(TreeEvent a, TreeEvent b) {
    return mergedTree(a, b)
        .withReceivedNanos(a.receivedNanos())
        .withCoalesced(a.coalesced() + b.coalesced() + 1);
  }

  private static TreeEvent mergedTree(TreeEvent a, TreeEvent b) {
    if (b.type() == EventType.RESET || b.type() == EventType.RESYNC) {
      return b;
    }
    EventType t = a.type();
    List<TreeEvent.Change> changes;
    if (t == EventType.CURRENT || t == EventType.ABSENT) {
      t = b.pairs().isEmpty() ? EventType.ABSENT : EventType.CURRENT;
      changes = List.of();
    } else if (t == EventType.RESYNC || t == EventType.RESET) {
      changes = List.of();
    } else {
      t = b.type();
      Map<String, TreeEvent.Change> m = new TreeMap<>(io.libkv.Keys.UTF8_ORDER);
      for (TreeEvent.Change c : a.changes()) {
        m.put(c.key(), c);
      }
      for (TreeEvent.Change c : b.changes()) {
        m.put(c.key(), c);
      }
      changes = new ArrayList<>(m.values());
    }
    return TreeEvent.of(t, b.directory(), b.pairs(), changes, b.index());
  }

  /**
   * Keeps the later of two events (for streams where only the latest matters, such as connection
   * states, whose values carry no count of what they replaced).
   */
  public static <E> BinaryOperator<E> latest() {
    return (a, b) -> b;
  }
}
