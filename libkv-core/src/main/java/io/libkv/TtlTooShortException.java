package io.libkv;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A TTL below what the backend can honour; libkv never rounds it up silently. */
public class TtlTooShortException extends KVException {
  private static final long serialVersionUID = 1L;

  private final Duration requested;
  private final Duration minimum;

  /**
   * Creates the exception.
   *
   * @param what which TTL meaning ("ephemeral", "expiring", "lock")
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description
   * @param requested the TTL asked for
   * @param minimum the smallest TTL this backend honours for that meaning
   */
  public TtlTooShortException(
      String what,
      @Nullable String key,
      @Nullable String store,
      Duration requested,
      Duration minimum) {
    super(
        what
            + " TTL "
            + Durations.format(requested)
            + " is below this backend's minimum of "
            + Durations.format(minimum),
        key,
        store,
        null,
        ErrorAnchors.of(TtlTooShortException.class));
    this.requested = requested;
    this.minimum = minimum;
  }

  /** The TTL asked for. */
  public Duration requested() {
    return requested;
  }

  /** The backend's minimum for that TTL meaning. */
  public Duration minimum() {
    return minimum;
  }
}
