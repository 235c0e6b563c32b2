package io.libkv.bolt;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A transaction: a consistent snapshot for reading, or the single writer. Its top level holds
 * buckets only. Closing a write transaction that was not committed rolls it back.
 *
 * <p>A read transaction, and the buckets opened in it, may be used by several threads at once (each
 * with cursors of its own), until it is closed; a write transaction belongs to the thread that
 * began it.
 */
public interface Tx extends AutoCloseable {

  /**
   * @return the snapshot's transaction id (for a writer, the id it commits as)
   */
  long id();

  /**
   * @return true for the write transaction
   */
  boolean isWritable();

  /**
   * @param name a top-level bucket's name
   * @return the bucket, or empty when there is none of that name
   */
  Optional<Bucket> bucket(byte[] name);

  /**
   * Follows a path of nested bucket names from the top level.
   *
   * @param path bucket names, outermost first; at least one
   * @return the innermost bucket, or empty when any is missing
   */
  default Optional<Bucket> bucket(byte[]... path) {
    if (path.length == 0) {
      throw new IllegalArgumentException("bucket path must not be empty");
    }
    Optional<Bucket> b = bucket(path[0]);
    for (int i = 1; i < path.length && b.isPresent(); i++) {
      b = b.get().bucket(path[i]);
    }
    return b;
  }

  /**
   * @param name a new top-level bucket's name
   * @return the new, empty bucket
   * @throws BoltStateException when a bucket or key of that name exists, or the transaction is
   *     read-only
   */
  Bucket createBucket(byte[] name);

  /**
   * @param name a top-level bucket's name
   * @return the existing bucket or a new one
   */
  Bucket createBucketIfAbsent(byte[] name);

  /**
   * Deletes a top-level bucket with everything in it.
   *
   * @param name the bucket's name
   * @return true when it existed
   */
  boolean deleteBucket(byte[] name);

  /**
   * @return a cursor over the top-level buckets (every entry {@link Entry#isBucket()})
   */
  Cursor cursor();

  /**
   * @param action called with the name of every top-level bucket, in key order
   */
  void forEachBucket(Consumer<byte[]> action);

  /**
   * @return the consistency problems of this snapshot; empty when consistent
   */
  List<BoltProblem> check();

  /**
   * @return statistics of this snapshot
   */
  BoltStats stats();

  /**
   * @return the size in bytes the database occupies in this snapshot (high-water mark times page
   *     size)
   */
  long size();

  /**
   * Makes the changes durable (unless no-sync) and visible to later transactions; closes this
   * transaction.
   *
   * @throws BoltStateException for a read transaction or one already closed
   */
  void commit();

  /** Discards the changes (for a reader: just ends it); closes this transaction. Idempotent. */
  void rollback();

  /** Rolls back unless committed. */
  @Override
  void close();
}
