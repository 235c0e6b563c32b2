package io.libkv;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a backend supports and its limits, so callers (and the conformance kit) branch instead of
 * guessing. Limits that depend on the server (etcd's lease floor, ZooKeeper's negotiated session
 * timeout) are probed when the store connects.
 */
public final class Capabilities {
  private final String backend;
  private final boolean ephemeralTtl;
  private final boolean expiringTtl;
  private final boolean everyRevisionWatch;
  private final boolean crossProcessWatch;
  private final boolean tls;
  private final boolean auth;
  private final boolean atomicBatch;
  private final Duration minEphemeralTtl;
  private final Duration ephemeralTtlGranularity;
  private final Duration minExpiringTtl;
  private final Duration expiringTtlGranularity;
  private final long maxValueBytes;
  private final int maxKeyBytes;
  private final List<CodePointRange> forbiddenKeyCodePoints;
  private final TransactionLimits transactionLimits;

  private Capabilities(Builder b) {
    this.transactionLimits = b.transactionLimits;
    this.backend = b.backend;
    this.ephemeralTtl = b.ephemeralTtl;
    this.expiringTtl = b.expiringTtl;
    this.everyRevisionWatch = b.everyRevisionWatch;
    this.crossProcessWatch = b.crossProcessWatch;
    this.tls = b.tls;
    this.auth = b.auth;
    this.atomicBatch = b.atomicBatch;
    this.minEphemeralTtl = b.minEphemeralTtl;
    this.ephemeralTtlGranularity = b.ephemeralTtlGranularity;
    this.minExpiringTtl = b.minExpiringTtl;
    this.expiringTtlGranularity = b.expiringTtlGranularity;
    this.maxValueBytes = b.maxValueBytes;
    this.maxKeyBytes = b.maxKeyBytes;
    this.forbiddenKeyCodePoints = List.copyOf(b.forbidden);
  }

  /** A builder for backend {@code backend} (e.g. "etcd"). */
  public static Builder builder(String backend) {
    return new Builder(backend);
  }

  /** The backend's name, as in its URI scheme ("memory", "boltdb", "etcd", ...). */
  public String backend() {
    return backend;
  }

  /** Whether ephemeral keys (TTL with keep-alive) are supported. */
  public boolean ephemeralTtl() {
    return ephemeralTtl;
  }

  /** Whether expiring keys (TTL without keep-alive) are supported. */
  public boolean expiringTtl() {
    return expiringTtl;
  }

  /** Whether watches can deliver every revision (given a consumer that keeps up). */
  public boolean everyRevisionWatch() {
    return everyRevisionWatch;
  }

  /** Whether watches see writes made by other processes. */
  public boolean crossProcessWatch() {
    return crossProcessWatch;
  }

  /** Whether TLS connections are supported. */
  public boolean tls() {
    return tls;
  }

  /** Whether authentication is supported. */
  public boolean auth() {
    return auth;
  }

  /** Whether {@link Store#putAll} is applied atomically. */
  public boolean atomicBatch() {
    return atomicBatch;
  }

  /** The smallest ephemeral TTL honoured. */
  public Duration minEphemeralTtl() {
    return minEphemeralTtl;
  }

  /** How much later than its TTL an ephemeral key of a dead writer may still be seen. */
  public Duration ephemeralTtlGranularity() {
    return ephemeralTtlGranularity;
  }

  /** The smallest expiring TTL honoured. */
  public Duration minExpiringTtl() {
    return minExpiringTtl;
  }

  /** How much later than its TTL an expiring key may still be seen. */
  public Duration expiringTtlGranularity() {
    return expiringTtlGranularity;
  }

  /** The largest value accepted, in bytes. */
  public long maxValueBytes() {
    return maxValueBytes;
  }

  /** The longest key accepted, in UTF-8 bytes. */
  public int maxKeyBytes() {
    return maxKeyBytes;
  }

  /** Code points a key may not hold beyond the general key rules. */
  public List<CodePointRange> forbiddenKeyCodePoints() {
    return forbiddenKeyCodePoints;
  }

  /** What {@link Store#commit(Transaction)} accepts here. */
  public TransactionLimits transactionLimits() {
    return transactionLimits;
  }

  /**
   * The limits of one transaction: a transaction over any of them fails with {@link
   * TransactionTooLargeException} before anything is sent.
   *
   * @param maxConditions conditions per transaction (a compare-and-delete counts one)
   * @param maxOperations operations per transaction
   * @param maxSteps conditions and operations together
   * @param maxBytes the keys' UTF-8 bytes and the values' bytes together
   * @param ephemeralPuts whether a put may be ephemeral (TTL with keep-alive) inside a transaction
   * @param expiringPuts whether a put may be expiring (TTL without keep-alive) inside a transaction
   */
  public record TransactionLimits(
      int maxConditions,
      int maxOperations,
      int maxSteps,
      long maxBytes,
      boolean ephemeralPuts,
      boolean expiringPuts) {
    /** No limit but memory's, every TTL meaning allowed: for stores that apply in process. */
    public static final TransactionLimits UNLIMITED =
        new TransactionLimits(
            Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, true, true);

    /** Checks the limits are positive. */
    public TransactionLimits {
      if (maxConditions < 0 || maxOperations < 1 || maxSteps < 1 || maxBytes < 1) {
        throw new IllegalArgumentException("transaction limits must be positive");
      }
    }
  }

  /** Whether a key may hold code point {@code cp} on this backend (general rules aside). */
  public boolean allowsKeyCodePoint(int cp) {
    for (CodePointRange r : forbiddenKeyCodePoints) {
      if (r.contains(cp)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "Capabilities{"
        + backend
        + ", ephemeral="
        + ephemeralTtl
        + " (min "
        + minEphemeralTtl
        + ")"
        + ", expiring="
        + expiringTtl
        + " (min "
        + minExpiringTtl
        + ")"
        + ", maxValueBytes="
        + maxValueBytes
        + ", maxKeyBytes="
        + maxKeyBytes
        + ", "
        + transactionLimits
        + "}";
  }

  /** An inclusive range of code points. */
  public static final class CodePointRange {
    private final int first;
    private final int last;
    private final String reason;

    private CodePointRange(int first, int last, String reason) {
      this.first = first;
      this.last = last;
      this.reason = reason;
    }

    /** The range {@code first..last} (inclusive), with why it is refused. */
    public static CodePointRange of(int first, int last, String reason) {
      if (first > last || first < 0) {
        throw new IllegalArgumentException("bad range " + first + ".." + last);
      }
      return new CodePointRange(first, last, Objects.requireNonNull(reason, "reason"));
    }

    /** The first code point. */
    public int first() {
      return first;
    }

    /** The last code point (inclusive). */
    public int last() {
      return last;
    }

    /** Why the backend refuses these. */
    public String reason() {
      return reason;
    }

    /** Whether {@code cp} lies in the range. */
    public boolean contains(int cp) {
      return cp >= first && cp <= last;
    }

    @Override
    public String toString() {
      return String.format("U+%04X..U+%04X (%s)", first, last, reason);
    }
  }

  /** Builds {@link Capabilities}. */
  public static final class Builder {
    private final String backend;
    private boolean ephemeralTtl;
    private boolean expiringTtl;
    private boolean everyRevisionWatch;
    private boolean crossProcessWatch;
    private boolean tls;
    private boolean auth;
    private boolean atomicBatch;
    private Duration minEphemeralTtl = Duration.ofSeconds(1);
    private Duration ephemeralTtlGranularity = Duration.ZERO;
    private Duration minExpiringTtl = Duration.ofSeconds(1);
    private Duration expiringTtlGranularity = Duration.ZERO;
    private long maxValueBytes = 1024 * 1024;
    private int maxKeyBytes = Keys.MAX_KEY_BYTES;
    private final java.util.ArrayList<CodePointRange> forbidden = new java.util.ArrayList<>();
    private TransactionLimits transactionLimits = TransactionLimits.UNLIMITED;

    private Builder(String backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
    }

    /** Ephemeral keys supported, with their minimum TTL and granularity. */
    public Builder ephemeralTtl(Duration minimum, Duration granularity) {
      this.ephemeralTtl = true;
      this.minEphemeralTtl = Objects.requireNonNull(minimum, "minimum");
      this.ephemeralTtlGranularity = Objects.requireNonNull(granularity, "granularity");
      return this;
    }

    /** Expiring keys supported, with their minimum TTL and granularity. */
    public Builder expiringTtl(Duration minimum, Duration granularity) {
      this.expiringTtl = true;
      this.minExpiringTtl = Objects.requireNonNull(minimum, "minimum");
      this.expiringTtlGranularity = Objects.requireNonNull(granularity, "granularity");
      return this;
    }

    /** Watches can deliver every revision. */
    public Builder everyRevisionWatch(boolean v) {
      this.everyRevisionWatch = v;
      return this;
    }

    /** Watches see other processes' writes. */
    public Builder crossProcessWatch(boolean v) {
      this.crossProcessWatch = v;
      return this;
    }

    /** TLS supported. */
    public Builder tls(boolean v) {
      this.tls = v;
      return this;
    }

    /** Authentication supported. */
    public Builder auth(boolean v) {
      this.auth = v;
      return this;
    }

    /** {@code putAll} is atomic. */
    public Builder atomicBatch(boolean v) {
      this.atomicBatch = v;
      return this;
    }

    /** The largest value accepted. */
    public Builder maxValueBytes(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("maxValueBytes must be >= 0");
      }
      this.maxValueBytes = v;
      return this;
    }

    /** The longest key accepted, at most {@link Keys#MAX_KEY_BYTES}. */
    public Builder maxKeyBytes(int v) {
      if (v < 1 || v > Keys.MAX_KEY_BYTES) {
        throw new IllegalArgumentException("maxKeyBytes must be in 1.." + Keys.MAX_KEY_BYTES);
      }
      this.maxKeyBytes = v;
      return this;
    }

    /** Code points keys may not hold on this backend. */
    public Builder forbidKeyCodePoints(int first, int last, String reason) {
      forbidden.add(CodePointRange.of(first, last, reason));
      return this;
    }

    /** The limits of one transaction (default {@link TransactionLimits#UNLIMITED}). */
    public Builder transactionLimits(TransactionLimits limits) {
      this.transactionLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** The capabilities. */
    public Capabilities build() {
      return new Capabilities(this);
    }
  }
}
