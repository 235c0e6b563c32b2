package io.libkv.faults;

import io.libkv.Lock;
import io.libkv.LockLease;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** A wrapped store's lock whose acquisitions go through the decorator's faults. */
final class FaultLock implements Lock {
  private final FaultInjectingStore store;
  private final Lock inner;

  FaultLock(FaultInjectingStore store, Lock inner) {
    this.store = store;
    this.inner = inner;
  }

  @Override
  public String key() {
    return inner.key();
  }

  @Override
  public LockLease lock() throws InterruptedException {
    store.beforeLock(inner.key());
    return store.handOut(inner.lock());
  }

  @Override
  public Optional<LockLease> tryLock(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    store.beforeLock(inner.key());
    Optional<LockLease> l = inner.tryLock(timeout);
    return l.isPresent() ? Optional.of(store.handOut(l.get())) : Optional.empty();
  }

  @Override
  public String toString() {
    return "FaultLock{" + inner + "}";
  }
}
