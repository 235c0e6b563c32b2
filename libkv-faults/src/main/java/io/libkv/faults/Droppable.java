package io.libkv.faults;

/** A watch opened through the decorator, which can be made to lose its stream and RESYNC. */
interface Droppable {
  /**
   * Replaces the wrapped watch by a new one whose first event is delivered as RESYNC.
   *
   * @return whether the watch was open and was dropped
   */
  boolean drop();

  /** Ends the watch (its store closed). */
  void close();
}
