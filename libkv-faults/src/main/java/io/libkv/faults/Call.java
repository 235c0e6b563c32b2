package io.libkv.faults;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One call made through a {@link FaultInjectingStore}: its operation, the key it named, what faults
 * acted on it, and whether it reached the wrapped store. Immutable.
 */
public final class Call {
  private final Operation operation;
  private final @Nullable String key;
  private final List<FaultKind> faults;
  private final boolean reachedStore;

  Call(Operation operation, @Nullable String key, List<FaultKind> faults, boolean reachedStore) {
    this.operation = Objects.requireNonNull(operation, "operation");
    this.key = key;
    this.faults = List.copyOf(faults);
    this.reachedStore = reachedStore;
  }

  /** The operation. */
  public Operation operation() {
    return operation;
  }

  /**
   * The key or directory named, canonical where it is a valid one; empty for {@code putAll}
   * (several keys).
   */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  /** The faults that acted on the call, in the order they did; empty for a normal call. */
  public List<FaultKind> faults() {
    return faults;
  }

  /** Whether the call was passed to the wrapped store (a refused call was not). */
  public boolean reachedStore() {
    return reachedStore;
  }

  @Override
  public String toString() {
    return operation
        + (key == null ? "" : " " + key)
        + (faults.isEmpty() ? "" : " " + faults)
        + (reachedStore ? "" : " (not passed on)");
  }
}
