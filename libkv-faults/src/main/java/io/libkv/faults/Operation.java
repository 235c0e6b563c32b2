package io.libkv.faults;

/**
 * A kind of call a {@link FaultInjectingStore} can fault and counts: one constant per {@code Store}
 * operation, every overload of it included ({@link #PUT} is both {@code put} methods, {@link
 * #WATCH} the key watch in its polling and listener shapes).
 */
public enum Operation {
  /** {@code put}, with or without write options. */
  PUT(true),
  /** {@code putAll}. */
  PUT_ALL(true),
  /** {@code get}. */
  GET(false),
  /** {@code exists}. */
  EXISTS(false),
  /** {@code delete}. */
  DELETE(true),
  /** {@code list}. */
  LIST(false),
  /** {@code deleteTree}. */
  DELETE_TREE(true),
  /** {@code atomicPut}. */
  ATOMIC_PUT(true),
  /** {@code atomicCreate}. */
  ATOMIC_CREATE(true),
  /** {@code atomicDelete}. */
  ATOMIC_DELETE(true),
  /** {@code commit} of a transaction ({@code update}'s writes included). */
  COMMIT(true),
  /** Opening a key watch, either shape. */
  WATCH(false),
  /** Opening a tree watch, either shape. */
  WATCH_TREE(false),
  /** Acquiring a lock: {@code Lock.lock()} or {@code Lock.tryLock(Duration)}. */
  LOCK(false);

  private final boolean write;

  Operation(boolean write) {
    this.write = write;
  }

  /** Whether the call changes the store's data (the calls whose outcome can be unknown). */
  public boolean isWrite() {
    return write;
  }
}
