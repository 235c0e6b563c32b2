package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Names for a store's lock queue entries that are reused: etcd indexes every key ever written until
 * compaction and a queue's range compare walks that index, so a fresh name per acquisition (a new
 * {@code Lock} per request, as users write it) made each acquisition slower than the last. An entry
 * is named by its lease and a slot, the lowest not in use for that queue in this store: one at a
 * time gets slot 0 every time, concurrent acquisitions get distinct slots.
 *
 * <p>A slot goes back only once its entry is known deleted: a put over a lingering entry would keep
 * that entry's create revision, which is the queue position and the fencing token.
 */
final class LockSlots {
  private final Map<ByteString, BitSet> inUse = new HashMap<>();

  synchronized int take(ByteString queue) {
    BitSet used = inUse.computeIfAbsent(queue, q -> new BitSet());
    int slot = used.nextClearBit(0);
    used.set(slot);
    return slot;
  }

  /** Gives back a slot whose entry is deleted. */
  synchronized void give(ByteString queue, int slot) {
    BitSet used = inUse.get(queue);
    if (used != null) {
      used.clear(slot);
      if (used.isEmpty()) {
        inUse.remove(queue);
      }
    }
  }
}
