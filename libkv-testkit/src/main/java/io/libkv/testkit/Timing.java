package io.libkv.testkit;

import io.libkv.Capabilities;
import java.time.Duration;

/**
 * The kit's TTLs and waiting bounds, derived from a backend's {@link Capabilities} and the kit's
 * base TTL and slack, so no backend needs constants of its own.
 */
final class Timing {
  /** The ephemeral TTL the tests use: the backend's minimum, or the base TTL if larger. */
  final Duration ephemeralTtl;

  /** The expiring TTL the tests use. */
  final Duration expiringTtl;

  /**
   * Longer than twice the ephemeral TTL plus its granularity: what only renewals can keep an
   * ephemeral key or lock alive for.
   */
  final Duration pastTwoTtls;

  /**
   * How long a dead or cut-off writer's ephemeral key (or lock) may outlive it: TTL + granularity +
   * slack.
   */
  final Duration ephemeralGone;

  /** How long after its last write an expiring key may still be seen: TTL + granularity + slack. */
  final Duration expiringGone;

  /**
   * The bound for what must happen "at once" (close releasing keys and locks): shorter than half
   * the TTL, so an expiry cannot pass for it.
   */
  final Duration promptly;

  /** Scheduling and network slack added to every timed bound. */
  final Duration slack;

  /** The bound for an event, a call or a thread that must arrive or finish. */
  final Duration operation;

  Timing(Capabilities caps, Duration baseTtl, Duration slack, Duration operation) {
    this.ephemeralTtl = max(caps.minEphemeralTtl(), baseTtl);
    this.expiringTtl = max(caps.minExpiringTtl(), baseTtl);
    this.pastTwoTtls =
        ephemeralTtl.multipliedBy(2).plus(caps.ephemeralTtlGranularity()).plusMillis(100);
    this.ephemeralGone = ephemeralTtl.plus(caps.ephemeralTtlGranularity()).plus(slack);
    this.expiringGone = expiringTtl.plus(caps.expiringTtlGranularity()).plus(slack);
    this.promptly = min(ephemeralTtl.dividedBy(2), slack);
    this.slack = slack;
    this.operation = operation;
  }

  static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public String toString() {
    return "Timing{ephemeralTtl="
        + ephemeralTtl
        + ", expiringTtl="
        + expiringTtl
        + ", promptly="
        + promptly
        + ", slack="
        + slack
        + "}";
  }
}
