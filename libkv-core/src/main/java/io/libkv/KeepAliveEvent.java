package io.libkv;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One renewal of a session or lease the store keeps alive (its ephemeral keys' and locks'), as told
 * to {@link Store#onKeepAlive} listeners: renewed, failed (retried until two thirds of the TTL have
 * passed since the last success), or lost.
 */
public final class KeepAliveEvent {
  /** What happened. */
  public enum Outcome {
    /** The server confirmed the renewal. */
    RENEWED,
    /** The renewal failed; it is retried while the session can still be confirmed. */
    FAILED,
    /** The session or lease is declared lost: its ephemeral keys and locks are gone. */
    LOST
  }

  private final String lease;
  private final Outcome outcome;
  private final Duration took;
  private final @Nullable KVException failure;

  private KeepAliveEvent(
      String lease, Outcome outcome, Duration took, @Nullable KVException failure) {
    this.lease = Objects.requireNonNull(lease, "lease");
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.took = Objects.requireNonNull(took, "took");
    this.failure = failure;
  }

  /** A successful renewal that took {@code took}. */
  public static KeepAliveEvent renewed(String lease, Duration took) {
    return new KeepAliveEvent(lease, Outcome.RENEWED, took, null);
  }

  /** A failed renewal. */
  public static KeepAliveEvent failed(String lease, Duration took, KVException failure) {
    return new KeepAliveEvent(
        lease, Outcome.FAILED, took, Objects.requireNonNull(failure, "failure"));
  }

  /** The loss of the session or lease. */
  public static KeepAliveEvent lost(String lease, KVException cause) {
    return new KeepAliveEvent(
        lease, Outcome.LOST, Duration.ZERO, Objects.requireNonNull(cause, "cause"));
  }

  /** The session or lease, as the backend names it (e.g. {@code lease 7587...}). */
  public String lease() {
    return lease;
  }

  /** Renewed, failed or lost. */
  public Outcome outcome() {
    return outcome;
  }

  /** How long the renewal call took (zero for a loss). */
  public Duration took() {
    return took;
  }

  /** Why it failed or was lost. */
  public Optional<KVException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public String toString() {
    return "KeepAliveEvent["
        + lease
        + " "
        + outcome
        + " in "
        + took
        + (failure == null ? "" : ": " + failure.getMessage())
        + "]";
  }
}
