package io.libkv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable key, value and index as read from a store.
 *
 * <p>{@link #key()} is always the canonical form ({@code "a/b"}, never {@code "/a/b/"}); {@link
 * #lastIndex()} is positive and changes on every write of the key.
 */
public final class KVPair {
  private final String key;
  private final byte[] value;
  private final long lastIndex;

  private KVPair(String key, byte[] value, long lastIndex) {
    this.key = key;
    this.value = value;
    this.lastIndex = lastIndex;
  }

  /**
   * Creates a pair, copying the value.
   *
   * @throws NullPointerException if key or value is null
   * @throws IllegalArgumentException if lastIndex is not positive
   */
  public static KVPair of(String key, byte[] value, long lastIndex) {
    return ofOwned(key, Objects.requireNonNull(value, "value").clone(), lastIndex);
  }

  /**
   * Creates a pair that takes ownership of {@code value} without copying; for backends, which must
   * not touch the array afterwards.
   */
  public static KVPair ofOwned(String key, byte[] value, long lastIndex) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (lastIndex <= 0) {
      throw new IllegalArgumentException(
          "lastIndex must be > 0, was " + lastIndex + " for key " + key);
    }
    return new KVPair(key, value, lastIndex);
  }

  /** The canonical key. */
  public String key() {
    return key;
  }

  /** A copy of the value bytes. */
  public byte[] value() {
    return value.clone();
  }

  /** A read-only view of the value bytes, without copying. */
  public ByteBuffer valueBuffer() {
    return ByteBuffer.wrap(value).asReadOnlyBuffer();
  }

  /** The value decoded as UTF-8 (malformed bytes become U+FFFD). */
  public String valueAsString() {
    return new String(value, StandardCharsets.UTF_8);
  }

  /** The value's length in bytes. */
  public int valueLength() {
    return value.length;
  }

  /** The store index of this key's last write: positive, strictly increasing across writes. */
  public long lastIndex() {
    return lastIndex;
  }

  /** Whether the value equals {@code other} byte for byte. */
  public boolean valueEquals(byte[] other) {
    return Arrays.equals(value, other);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof KVPair)) {
      return false;
    }
    KVPair p = (KVPair) o;
    return lastIndex == p.lastIndex && key.equals(p.key) && Arrays.equals(value, p.value);
  }

  @Override
  public int hashCode() {
    return (key.hashCode() * 31 + Arrays.hashCode(value)) * 31 + Long.hashCode(lastIndex);
  }

  @Override
  public String toString() {
    return "KVPair{key=" + key + ", " + value.length + " bytes, lastIndex=" + lastIndex + "}";
  }
}
