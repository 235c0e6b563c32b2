package io.libkv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Conditions and operations that {@link Store#commit(Transaction)} applies atomically: every
 * operation if every condition holds, else none.
 *
 * <p>Immutable. Keys are taken as given and canonicalised by the store; a key may appear in several
 * conditions, but in at most one operation (the order of two writes of one key would be the
 * backend's choice).
 *
 * <pre>{@code
 * Transaction move = Transaction.builder()
 *     .ifIndex(from)            // from and to: pairs read earlier
 *     .ifIndex(to)
 *     .put(from.key(), minusOne)
 *     .put(to.key(), plusOne)
 *     .build();
 * TransactionResult r = store.commit(move);
 * }</pre>
 */
public final class Transaction {
  private final List<Condition> conditions;
  private final List<Operation> operations;

  private Transaction(List<Condition> conditions, List<Operation> operations) {
    this.conditions = conditions;
    this.operations = operations;
  }

  /** A new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The conditions, in the order given (a compare-and-delete's condition included). */
  public List<Condition> conditions() {
    return conditions;
  }

  /** The operations, in the order given. */
  public List<Operation> operations() {
    return operations;
  }

  /** The keys the conditions compare, each once, in order of first appearance. */
  public List<String> comparedKeys() {
    List<String> keys = new ArrayList<>();
    for (Condition c : conditions) {
      if (!keys.contains(c.key())) {
        keys.add(c.key());
      }
    }
    return keys;
  }

  /** A copy with every key replaced by {@code canonical.apply(key)}; for stores. */
  public Transaction withKeys(java.util.function.UnaryOperator<String> canonical) {
    Builder b = new Builder();
    for (Condition c : conditions) {
      b.conditions.add(c.withKey(canonical.apply(c.key())));
    }
    for (Operation o : operations) {
      b.operations.add(o.withKey(canonical.apply(o.key())));
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "Transaction" + conditions + " then " + operations;
  }

  /** What must hold for a transaction to commit. */
  public sealed interface Condition {
    /** The key compared. */
    String key();

    /** The same condition on another key. */
    Condition withKey(String key);

    /** Whether {@code current} (null: absent) satisfies this condition. */
    boolean holdsFor(@org.jspecify.annotations.Nullable KVPair current);
  }

  /** The key does not exist. */
  public record Absent(String key) implements Condition {
    /** Checks the key is not null. */
    public Absent {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Condition withKey(String k) {
      return new Absent(k);
    }

    @Override
    public boolean holdsFor(@org.jspecify.annotations.Nullable KVPair current) {
      return current == null;
    }
  }

  /** The key exists. */
  public record Present(String key) implements Condition {
    /** Checks the key is not null. */
    public Present {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Condition withKey(String k) {
      return new Present(k);
    }

    @Override
    public boolean holdsFor(@org.jspecify.annotations.Nullable KVPair current) {
      return current != null;
    }
  }

  /** The key exists and its last index equals {@code index}. */
  public record IndexEquals(String key, long index) implements Condition {
    /** Checks the key is not null and the index positive. */
    public IndexEquals {
      Objects.requireNonNull(key, "key");
      if (index <= 0) {
        throw new IllegalArgumentException("index must be > 0, was " + index + " for key " + key);
      }
    }

    @Override
    public Condition withKey(String k) {
      return new IndexEquals(k, index);
    }

    @Override
    public boolean holdsFor(@org.jspecify.annotations.Nullable KVPair current) {
      return current != null && current.lastIndex() == index;
    }
  }

  /** A write a transaction applies. */
  public sealed interface Operation {
    /** The key written. */
    String key();

    /** The same operation on another key. */
    Operation withKey(String key);
  }

  /**
   * Writes a value, with the TTL meaning of {@code options} where the backend can apply it inside a
   * transaction ({@link Capabilities#transactionLimits()}).
   */
  public static final class Put implements Operation {
    private final String key;
    private final byte[] value;
    private final WriteOptions options;

    /** A put; the value is copied. */
    public Put(String key, byte[] value, WriteOptions options) {
      this.key = Objects.requireNonNull(key, "key");
      this.value = Objects.requireNonNull(value, "value").clone();
      this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public String key() {
      return key;
    }

    /** A copy of the value. */
    public byte[] value() {
      return value.clone();
    }

    /** The value without copying; for stores, which must not change it. */
    public byte[] valueUnsafe() {
      return value;
    }

    /** The write options. */
    public WriteOptions options() {
      return options;
    }

    @Override
    public Operation withKey(String k) {
      return new Put(k, value, options);
    }

    @Override
    public boolean equals(@org.jspecify.annotations.Nullable Object o) {
      return o instanceof Put p
          && key.equals(p.key)
          && Arrays.equals(value, p.value)
          && options.ttl().equals(p.options.ttl())
          && options.keepAlive() == p.options.keepAlive()
          && options.isDir() == p.options.isDir();
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Put[" + key + ", " + value.length + " bytes, " + options + "]";
    }
  }

  /** Deletes the key; an absent key is no failure (add {@link Present} to require it). */
  public record Delete(String key) implements Operation {
    /** Checks the key is not null. */
    public Delete {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Operation withKey(String k) {
      return new Delete(k);
    }
  }

  /** Collects conditions and operations. */
  public static final class Builder {
    private final List<Condition> conditions = new ArrayList<>();
    private final List<Operation> operations = new ArrayList<>();

    private Builder() {}

    /** Requires the key to be absent. */
    public Builder ifAbsent(String key) {
      conditions.add(new Absent(key));
      return this;
    }

    /** Requires the key to exist. */
    public Builder ifPresent(String key) {
      conditions.add(new Present(key));
      return this;
    }

    /** Requires the key's index to equal {@code index}. */
    public Builder ifIndex(String key, long index) {
      conditions.add(new IndexEquals(key, index));
      return this;
    }

    /** Requires the key to be unchanged since {@code pair} was read. */
    public Builder ifIndex(KVPair pair) {
      return ifIndex(pair.key(), pair.lastIndex());
    }

    /** Adds a condition. */
    public Builder condition(Condition c) {
      conditions.add(Objects.requireNonNull(c, "condition"));
      return this;
    }

    /** Writes a plain value. */
    public Builder put(String key, byte[] value) {
      return put(key, value, WriteOptions.DEFAULT);
    }

    /** Writes a value with options. */
    public Builder put(String key, byte[] value, WriteOptions options) {
      operations.add(new Put(key, value, options));
      return this;
    }

    /** Deletes a key. */
    public Builder delete(String key) {
      operations.add(new Delete(key));
      return this;
    }

    /**
     * Deletes the key only if unchanged since {@code previous} was read: shorthand for {@link
     * #ifIndex(KVPair)} and {@link #delete(String)}.
     */
    public Builder compareAndDelete(KVPair previous) {
      ifIndex(previous);
      return delete(previous.key());
    }

    /** Adds an operation. */
    public Builder operation(Operation o) {
      operations.add(Objects.requireNonNull(o, "operation"));
      return this;
    }

    /**
     * The transaction.
     *
     * @throws IllegalArgumentException if it has no operation, or writes one key twice
     */
    public Transaction build() {
      if (operations.isEmpty()) {
        throw new IllegalArgumentException("a transaction needs at least one operation");
      }
      java.util.Set<String> written = new java.util.HashSet<>();
      for (Operation o : operations) {
        if (!written.add(o.key())) {
          throw new IllegalArgumentException(
              "key " + o.key() + " is written twice in one transaction");
        }
      }
      return new Transaction(
          Collections.unmodifiableList(new ArrayList<>(conditions)),
          Collections.unmodifiableList(new ArrayList<>(operations)));
    }
  }
}
