package io.libkv.faults;

import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Whether a write that ends in an {@link io.libkv.UnknownOutcomeException} was applied: {@link
 * #applied()} (the write reached the store, then the answer was lost), {@link #notApplied()} (the
 * connection broke before the write was sent on) or {@link #random(long)}, a seeded choice per
 * write so a failing run can be repeated. Which one happened is in the {@link Call} record.
 */
public final class WriteOutcome {
  private final String name;
  private final @Nullable Random random;
  private final boolean applied;

  private WriteOutcome(String name, @Nullable Random random, boolean applied) {
    this.name = name;
    this.random = random;
    this.applied = applied;
  }

  /** The write reaches the wrapped store before its caller gets the unknown outcome. */
  public static WriteOutcome applied() {
    return new WriteOutcome("applied", null, true);
  }

  /** The write never reaches the wrapped store; its caller gets the unknown outcome. */
  public static WriteOutcome notApplied() {
    return new WriteOutcome("not applied", null, false);
  }

  /**
   * Applied or not at random, each write drawing from a generator seeded with {@code seed}: the
   * same seed and the same sequence of writes give the same choices.
   */
  public static WriteOutcome random(long seed) {
    return new WriteOutcome("random (seed " + seed + ")", new Random(seed), false);
  }

  /** Whether the next write is applied. */
  boolean choose() {
    Random r = random;
    if (r == null) {
      return applied;
    }
    synchronized (r) {
      return r.nextBoolean();
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
