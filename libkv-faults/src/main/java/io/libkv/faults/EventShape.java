package io.libkv.faults;

import io.libkv.EventType;
import io.libkv.KeyEvent;
import io.libkv.TreeEvent;
import java.util.List;

/** How a watch's events are re-typed as RESYNC and re-indexed, per event type. */
interface EventShape<E> {
  long index(E event);

  /** {@code event}'s state as a RESYNC at {@code index}. */
  E resync(E event, long index);

  /** {@code event} at {@code index} instead of its own. */
  E reindexed(E event, long index);

  /**
   * {@code made} with {@code from}'s receipt time and coalesced count: it stands for that event.
   */
  private static KeyEvent keep(KeyEvent from, KeyEvent made) {
    return made.withReceivedNanos(from.receivedNanos()).withCoalesced(from.coalesced());
  }

  private static TreeEvent keep(TreeEvent from, TreeEvent made) {
    return made.withReceivedNanos(from.receivedNanos()).withCoalesced(from.coalesced());
  }

  EventShape<KeyEvent> KEY =
      new EventShape<>() {
        @Override
        public long index(KeyEvent e) {
          return e.index();
        }

        @Override
        public KeyEvent resync(KeyEvent e, long index) {
          return keep(e, KeyEvent.of(EventType.RESYNC, e.key(), e.pair().orElse(null), index));
        }

        @Override
        public KeyEvent reindexed(KeyEvent e, long index) {
          return keep(e, KeyEvent.of(e.type(), e.key(), e.pair().orElse(null), index));
        }
      };

  EventShape<TreeEvent> TREE =
      new EventShape<>() {
        @Override
        public long index(TreeEvent e) {
          return e.index();
        }

        @Override
        public TreeEvent resync(TreeEvent e, long index) {
          return keep(
              e, TreeEvent.of(EventType.RESYNC, e.directory(), e.pairs(), List.of(), index));
        }

        @Override
        public TreeEvent reindexed(TreeEvent e, long index) {
          return keep(e, TreeEvent.of(e.type(), e.directory(), e.pairs(), e.changes(), index));
        }
      };
}
