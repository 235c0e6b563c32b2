package io.libkv.faults;

import io.libkv.KVException;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A held lock handed out through the decorator: the wrapped lease, which a session loss declares
 * lost here and releases in the wrapped store, so another client can take the lock.
 */
final class FaultLease implements LockLease {
  private final LockLease inner;
  private final String store;
  private final Runnable onEnd;
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private final AtomicBoolean injectedLoss = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  FaultLease(LockLease inner, String store, Runnable onEnd) {
    this.inner = inner;
    this.store = store;
    this.onEnd = onEnd;
    inner.lost().whenComplete((v, e) -> lost.complete(null));
  }

  /** The session was lost: the lock is lost, and released in the wrapped store. */
  void loseBySession() {
    if (closed.get() || !injectedLoss.compareAndSet(false, true)) {
      return;
    }
    lost.complete(null);
    try {
      inner.close();
    } catch (KVException e) {
      // the wrapped store cannot be reached either: the lock then expires with its TTL there
    }
    onEnd.run();
  }

  @Override
  public String key() {
    return inner.key();
  }

  @Override
  public long fencingToken() {
    return inner.fencingToken();
  }

  @Override
  public CompletableFuture<Void> lost() {
    return lost;
  }

  @Override
  public boolean isHeld() {
    return !injectedLoss.get() && inner.isHeld();
  }

  @Override
  public void checkHeld() {
    if (injectedLoss.get()) {
      throw new LockLostException(
          "the lock was lost with the session (injected by FaultInjectingStore)",
          inner.key(),
          store,
          null);
    }
    inner.checkHeld();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    onEnd.run();
    if (!injectedLoss.get()) {
      inner.close();
    }
  }

  @Override
  public String toString() {
    return "FaultLease{" + inner + (injectedLoss.get() ? ", lost with the session" : "") + "}";
  }
}
