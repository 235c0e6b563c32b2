package io.libkv.bolt;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A named B+tree of keys inside a transaction; keys hold plain values or nested buckets. Valid only
 * while its transaction is open. Keys are compared as unsigned bytes.
 */
public interface Bucket {
  /** Longest key (and bucket name) in bytes. */
  int MAX_KEY_SIZE = 32768;

  /** Longest value in bytes (2^31 - 2, Go's limit). */
  int MAX_VALUE_SIZE = Integer.MAX_VALUE - 1;

  /**
   * @return true when its transaction can write
   */
  boolean isWritable();

  /**
   * @param key the key
   * @return a copy of the plain value, or empty when the key is missing or names a nested bucket
   */
  Optional<byte[]> get(byte[] key);

  /**
   * The plain value without a copy, for callers that decode it at once (as Go's bbolt hands out a
   * slice of its map).
   *
   * @param key the key
   * @return a read-only view of the value, valid while the transaction is open and, in a writable
   *     transaction, until the bucket next changes; empty when the key is missing or names a nested
   *     bucket
   */
  Optional<ByteBuffer> view(byte[] key);

  /**
   * Stores a plain value.
   *
   * @param key 1 to {@value #MAX_KEY_SIZE} bytes
   * @param value 0 to {@value #MAX_VALUE_SIZE} bytes
   * @throws BoltLimitException when the key or value breaks a limit
   * @throws BoltStateException when the key names a nested bucket, or the transaction is read-only
   */
  void put(byte[] key, byte[] value);

  /**
   * @param key the key
   * @return true when a plain value was removed
   * @throws BoltStateException when the key names a nested bucket
   */
  boolean delete(byte[] key);

  /**
   * @param name a nested bucket's name
   * @return the nested bucket, or empty
   */
  Optional<Bucket> bucket(byte[] name);

  /**
   * @param name the new nested bucket's name
   * @return the new, empty bucket
   * @throws BoltStateException when the key exists
   */
  Bucket createBucket(byte[] name);

  /**
   * @param name a nested bucket's name
   * @return the existing or a new bucket
   * @throws BoltStateException when the key holds a plain value
   */
  Bucket createBucketIfAbsent(byte[] name);

  /**
   * Deletes a nested bucket and everything in it.
   *
   * @param name its name
   * @return true when it existed
   * @throws BoltStateException when the key holds a plain value
   */
  boolean deleteBucket(byte[] name);

  /**
   * @return a new cursor, unpositioned
   */
  Cursor cursor();

  /**
   * @param action called with every entry (plain values and nested buckets), in key order
   */
  void forEach(Consumer<Entry> action);

  /**
   * @return the bucket's sequence counter (an unsigned 64-bit number, stored as a long)
   */
  long sequence();

  /**
   * Increments and returns the sequence.
   *
   * @return the new sequence
   */
  long nextSequence();

  /**
   * @param value the new sequence (any 64-bit pattern)
   */
  void setSequence(long value);

  /**
   * Sets how full split pages are left in this transaction (not stored; default 0.5).
   *
   * @param fraction clamped to 0.1 … 1.0
   */
  void setFillPercent(double fraction);
}
