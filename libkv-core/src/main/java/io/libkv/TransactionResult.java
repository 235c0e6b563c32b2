package io.libkv;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Store#commit(Transaction)} did: committed with the new index of each key it wrote, or
 * not, with the condition that failed and, where the backend read them in the same round trip, the
 * current pairs of the compared keys.
 */
public final class TransactionResult {
  private final boolean committed;
  private final Map<String, Long> indexes;
  private final Transaction.@Nullable Condition failed;
  private final @Nullable Map<String, KVPair> current;
  private final long index;

  private TransactionResult(
      boolean committed,
      Map<String, Long> indexes,
      Transaction.@Nullable Condition failed,
      @Nullable Map<String, KVPair> current,
      long index) {
    this.committed = committed;
    this.indexes = indexes;
    this.failed = failed;
    this.current = current;
    this.index = index;
  }

  /**
   * A commit.
   *
   * @param indexes the new index of each key put (canonical keys)
   * @param index the store index of the commit, or 0 when the backend does not tell
   */
  public static TransactionResult committed(Map<String, Long> indexes, long index) {
    return new TransactionResult(
        true, Collections.unmodifiableMap(new LinkedHashMap<>(indexes)), null, null, index);
  }

  /**
   * A failure because {@code failed} did not hold.
   *
   * @param current the compared keys' pairs read with the failure (absent keys left out), or null
   *     when the backend did not read them
   */
  public static TransactionResult failed(
      Transaction.Condition failed, @Nullable List<KVPair> current) {
    Map<String, KVPair> m = null;
    if (current != null) {
      m = new LinkedHashMap<>();
      for (KVPair p : current) {
        m.put(p.key(), p);
      }
      m = Collections.unmodifiableMap(m);
    }
    return new TransactionResult(false, Map.of(), Objects.requireNonNull(failed, "failed"), m, 0);
  }

  /** Whether every operation was applied (else none was). */
  public boolean committed() {
    return committed;
  }

  /** The new index of each key the transaction put; empty when it did not commit. */
  public Map<String, Long> indexes() {
    return indexes;
  }

  /** The store index of the commit, where the backend tells it. */
  public OptionalLong index() {
    return committed && index > 0 ? OptionalLong.of(index) : OptionalLong.empty();
  }

  /** The first condition (in the transaction's order) that did not hold; empty on a commit. */
  public Optional<Transaction.Condition> failedCondition() {
    return Optional.ofNullable(failed);
  }

  /**
   * Whether the compared keys' current pairs came back with a failure (etcd, Consul, boltdb and
   * memory read them in the same step; ZooKeeper decides the conditions on a read of the keys and
   * returns that read).
   */
  public boolean knowsCurrent() {
    return current != null;
  }

  /**
   * The current pair of a compared key, read with the failure.
   *
   * @param key a compared key, canonical
   * @return empty if the key was absent (or not compared)
   * @throws IllegalStateException if the transaction committed or {@link #knowsCurrent()} is false
   */
  public Optional<KVPair> current(String key) {
    if (current == null) {
      throw new IllegalStateException("no current pairs: " + this);
    }
    return Optional.ofNullable(current.get(key));
  }

  /**
   * The compared keys' current pairs read with the failure, absent keys left out.
   *
   * @throws IllegalStateException if the transaction committed or {@link #knowsCurrent()} is false
   */
  public Map<String, KVPair> currentPairs() {
    if (current == null) {
      throw new IllegalStateException("no current pairs: " + this);
    }
    return current;
  }

  @Override
  public String toString() {
    return committed
        ? "TransactionResult[committed " + indexes + "]"
        : "TransactionResult[failed "
            + failed
            + (current == null ? "" : ", current " + current.keySet())
            + "]";
  }
}
