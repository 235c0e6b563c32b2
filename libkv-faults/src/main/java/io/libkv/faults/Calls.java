package io.libkv.faults;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Which calls a fault applies to: a set of {@link Operation}s and, optionally, only the next {@code
 * n} of them. Immutable; {@link #first(long)} returns a new value.
 *
 * <pre>{@code
 * Calls.all()                                    // every call, until the fault is removed
 * Calls.of(Operation.GET, Operation.LIST)        // every get and list
 * Calls.writes().first(1)                        // the next write only
 * }</pre>
 */
public final class Calls {
  private static final Set<Operation> WRITES =
      Collections.unmodifiableSet(
          Arrays.stream(Operation.values())
              .filter(Operation::isWrite)
              .collect(Collectors.toCollection(() -> EnumSet.noneOf(Operation.class))));

  private final Set<Operation> operations;
  private final long limit;

  private Calls(Set<Operation> operations, long limit) {
    this.operations = Collections.unmodifiableSet(EnumSet.copyOf(operations));
    this.limit = limit;
  }

  /** Every call of every operation. */
  public static Calls all() {
    return new Calls(EnumSet.allOf(Operation.class), 0);
  }

  /** Every write: the operations whose {@link Operation#isWrite()} is true. */
  public static Calls writes() {
    return new Calls(WRITES, 0);
  }

  /**
   * Every call of the operations given.
   *
   * @throws NullPointerException if an operation is null
   */
  public static Calls of(Operation first, Operation... more) {
    EnumSet<Operation> ops = EnumSet.of(Objects.requireNonNull(first, "first"));
    for (Operation o : more) {
      ops.add(Objects.requireNonNull(o, "operation"));
    }
    return new Calls(ops, 0);
  }

  /**
   * Only the next {@code n} calls of these operations; the fault is used up after them.
   *
   * @throws IllegalArgumentException if {@code n} is below 1
   * @throws IllegalStateException if a limit was already set
   */
  public Calls first(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    if (limit > 0) {
      throw new IllegalStateException("the limit was already set to " + limit);
    }
    return new Calls(operations, n);
  }

  /** The operations matched. */
  public Set<Operation> operations() {
    return operations;
  }

  /** How many calls the fault applies to; empty: every matching call until it is removed. */
  public OptionalLong limit() {
    return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
  }

  /** Whether calls of {@code operation} match. */
  public boolean matches(Operation operation) {
    return operations.contains(operation);
  }

  /** Whether every operation matched is a write. */
  boolean onlyWrites() {
    return WRITES.containsAll(operations);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Calls
        && ((Calls) o).operations.equals(operations)
        && ((Calls) o).limit == limit;
  }

  @Override
  public int hashCode() {
    return Objects.hash(operations, limit);
  }

  @Override
  public String toString() {
    String ops =
        operations.size() == Operation.values().length
            ? "all calls"
            : operations.equals(WRITES) ? "writes" : operations.toString();
    return limit > 0 ? ops + ", next " + limit : ops;
  }
}
