package io.libkv.bolt;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Iterates a bucket in key order. Each move returns the entry it lands on, or empty past either
 * end. Valid only while its transaction is open; writes through the bucket invalidate the position
 * (seek again).
 */
public interface Cursor {
  /**
   * @return the first entry
   */
  Optional<Entry> first();

  /**
   * @return the last entry
   */
  Optional<Entry> last();

  /**
   * @return the next entry
   */
  Optional<Entry> next();

  /**
   * @return the previous entry
   */
  Optional<Entry> prev();

  /**
   * @param key where to position
   * @return the first entry whose key is &gt;= {@code key}
   */
  Optional<Entry> seek(byte[] key);

  /**
   * Moves like {@link #first()} but copies only the key: a scan of keys (or of values read in place
   * with {@link #valueView()}) then allocates nothing per value, however large the values are.
   *
   * @return the first key
   */
  Optional<byte[]> firstKey();

  /**
   * @return the next key, as {@link #next()} moves, without copying its value
   */
  Optional<byte[]> nextKey();

  /**
   * @param key where to position
   * @return the first key &gt;= {@code key}, as {@link #seek(byte[])} moves, without copying its
   *     value
   */
  Optional<byte[]> seekKey(byte[] key);

  /**
   * The plain value under the cursor without a copy (as {@link Bucket#view(byte[])} reads one).
   *
   * @return a read-only view, valid while the transaction is open and, in a writable transaction,
   *     until the bucket next changes; empty when the cursor is not positioned or is on a nested
   *     bucket
   */
  Optional<ByteBuffer> valueView();

  /**
   * Deletes the plain value under the cursor.
   *
   * @throws BoltStateException when not positioned, on a nested bucket, or read-only
   */
  void delete();
}
