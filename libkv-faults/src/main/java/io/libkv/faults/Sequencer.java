package io.libkv.faults;

/**
 * The events of a dropped watch's successive streams as one stream: only the current stream's
 * events pass, the first of a new stream becomes a RESYNC, and no index goes below one delivered
 * (the contract's "a RESYNC's index is never below an index the watch delivered"). Guarded by the
 * caller.
 */
final class Sequencer<E> {
  private final EventShape<E> shape;
  private long generation;
  private boolean resyncNext;
  private long lastIndex;

  Sequencer(EventShape<E> shape) {
    this.shape = shape;
  }

  long generation() {
    return generation;
  }

  /** A new stream begins; its first event will be a RESYNC. */
  long next() {
    resyncNext = true;
    return ++generation;
  }

  /** The event to deliver for {@code event} of stream {@code gen}, or null to drop it. */
  @org.jspecify.annotations.Nullable
  E accept(E event, long gen) {
    if (gen != generation) {
      return null;
    }
    long own = shape.index(event);
    long index = Math.max(own, lastIndex);
    E out;
    if (resyncNext) {
      out = shape.resync(event, index);
      resyncNext = false;
    } else {
      out = index == own ? event : shape.reindexed(event, index);
    }
    lastIndex = index;
    return out;
  }
}
