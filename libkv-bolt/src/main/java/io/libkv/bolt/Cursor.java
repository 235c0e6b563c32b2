package io.libkv.bolt;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Iterates a bucket in key order. Each move returns the entry it lands on, or empty past either
 * end. Valid only while its transaction is open; writes through the bucket invalidate the position
 * (seek again).
 *
 * <p>The {@code move} methods position the cursor without copying anything and say only whether it
 * landed on an entry; read that entry in place with {@link #keyView()}, {@link #valueView()} and
 * {@link #isBucket()}. A scan over many entries written with them allocates nothing per entry that
 * the JIT cannot remove, as a Go program's cursor loop over bbolt's slices does not.
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
   * Moves like {@link #first()} without copying the entry.
   *
   * @return true when positioned on an entry, false when the bucket is empty
   */
  boolean moveFirst();

  /**
   * Moves like {@link #last()} without copying the entry.
   *
   * @return true when positioned on an entry, false when the bucket is empty
   */
  boolean moveLast();

  /**
   * Moves like {@link #next()} without copying the entry.
   *
   * @return true when positioned on an entry; false past the end, or when the cursor was not
   *     positioned, and the cursor is then not positioned
   */
  boolean moveNext();

  /**
   * Moves like {@link #prev()} without copying the entry.
   *
   * @return true when positioned on an entry; false before the start, or when the cursor was not
   *     positioned, and the cursor is then not positioned
   */
  boolean movePrev();

  /**
   * Moves like {@link #seek(byte[])} without copying the entry.
   *
   * @param key where to position
   * @return true when positioned on the first entry whose key is &gt;= {@code key}, false when
   *     there is none
   */
  boolean moveSeek(byte[] key);

  /**
   * The key under the cursor without a copy.
   *
   * @return a read-only view of the key, valid while the transaction is open and, in a writable
   *     transaction, until the bucket next changes
   * @throws BoltStateException when the cursor is not positioned on an entry
   */
  ByteBuffer keyView();

  /**
   * Whether the entry under the cursor is a nested bucket rather than a plain value.
   *
   * @return true for a nested bucket
   * @throws BoltStateException when the cursor is not positioned on an entry
   */
  boolean isBucket();

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
