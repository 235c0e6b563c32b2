package io.libkv.bolt;

import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * One cursor position: a key and either a plain value or a nested bucket. Immutable: accessors
 * return copies.
 */
public final class Entry {
  private static final byte[] EMPTY = new byte[0];
  private final byte[] key;
  private final byte[] value;
  private final boolean bucket;

  private Entry(byte[] key, byte[] value, boolean bucket) {
    this.key = key;
    this.value = value;
    this.bucket = bucket;
  }

  /**
   * @param key the key (copied)
   * @param value the value (copied)
   * @return a plain key/value entry
   */
  public static Entry of(byte[] key, byte[] value) {
    return new Entry(key.clone(), value.clone(), false);
  }

  /**
   * @param name the bucket's name (copied)
   * @return an entry naming a nested bucket
   */
  public static Entry bucket(byte[] name) {
    return new Entry(name.clone(), EMPTY, true);
  }

  /**
   * @return the key
   */
  public byte[] key() {
    return key.clone();
  }

  /**
   * @return the value; empty for a nested bucket
   */
  public byte[] value() {
    return value.clone();
  }

  /**
   * @return true if the key names a nested bucket rather than a plain value
   */
  public boolean isBucket() {
    return bucket;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Entry e
        && bucket == e.bucket
        && Arrays.equals(key, e.key)
        && Arrays.equals(value, e.value);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(key) + Arrays.hashCode(value) + (bucket ? 1 : 0);
  }

  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    return bucket
        ? "Entry[bucket " + hex.formatHex(key) + "]"
        : "Entry[" + hex.formatHex(key) + " -> " + value.length + " bytes]";
  }
}
