package io.libkv.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.TreeEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A re-typed or re-indexed event still says when its change was received and what it merged. */
class EventShapeTest {
  private static final long RECEIVED = 12_345L;

  @Test
  void aKeyEventKeepsItsReceiptTimeAndCoalescedCount() {
    KeyEvent e =
        KeyEvent.of(EventType.PUT, "k", KVPair.of("k", "v".getBytes(StandardCharsets.UTF_8), 7), 7)
            .withReceivedNanos(RECEIVED)
            .withCoalesced(3);
    for (KeyEvent out : List.of(EventShape.KEY.resync(e, 9), EventShape.KEY.reindexed(e, 9))) {
      assertThat(out.index()).isEqualTo(9);
      assertThat(out.receivedNanos()).as(out.toString()).isEqualTo(RECEIVED);
      assertThat(out.coalesced()).as(out.toString()).isEqualTo(3);
    }
  }

  @Test
  void aTreeEventKeepsItsReceiptTimeAndCoalescedCount() {
    TreeEvent e =
        TreeEvent.of(EventType.PUT, "d", List.of(), List.of(), 7)
            .withReceivedNanos(RECEIVED)
            .withCoalesced(2);
    for (TreeEvent out : List.of(EventShape.TREE.resync(e, 9), EventShape.TREE.reindexed(e, 9))) {
      assertThat(out.index()).isEqualTo(9);
      assertThat(out.receivedNanos()).as(out.toString()).isEqualTo(RECEIVED);
      assertThat(out.coalesced()).as(out.toString()).isEqualTo(2);
    }
  }
}
