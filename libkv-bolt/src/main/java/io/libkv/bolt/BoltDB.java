package io.libkv.bolt;

import io.libkv.bolt.internal.Compactor;
import io.libkv.bolt.internal.Db;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An open bbolt database file. Many read transactions and one write transaction may be open at
 * once; a reader sees the snapshot it started from and never blocks the writer. The file is locked
 * with {@code flock(2)} (exclusive when writable, shared when read-only) until {@link #close()}.
 * Thread-safe; each {@link Tx} belongs to one thread at a time.
 */
public interface BoltDB extends AutoCloseable {

  /**
   * Opens (and, by default, creates) a database file.
   *
   * @param path the file
   * @param options how to open it
   * @return the open database
   * @throws BoltLockedException when another process holds the lock past the options' lock timeout
   * @throws BoltCorruptionException when the file is not a valid bbolt database
   */
  static BoltDB open(Path path, BoltOptions options) {
    return Db.open(path, options);
  }

  /**
   * Opens a database with {@link BoltOptions#defaults()}.
   *
   * @param path the file
   * @return the open database
   */
  static BoltDB open(Path path) {
    return open(path, BoltOptions.defaults());
  }

  /**
   * Copies every bucket, key and sequence of {@code src} into a new, compact file {@code dst}.
   *
   * @param src an existing database (opened read-only)
   * @param dst the new file; must not exist
   * @param dstOptions options for creating {@code dst} (page size etc.)
   */
  static void compact(Path src, Path dst, BoltOptions dstOptions) {
    Compactor.compact(src, dst, dstOptions);
  }

  /**
   * @return the file
   */
  Path path();

  /**
   * @return the page size of this file
   */
  int pageSize();

  /**
   * @return true when opened read-only
   */
  boolean isReadOnly();

  /**
   * @return a read transaction on the latest committed snapshot; close it when done
   */
  Tx beginRead();

  /**
   * Starts the write transaction, waiting while another one is open in this process.
   *
   * @return the write transaction; {@link Tx#commit()} or close (rolls back) it
   * @throws BoltStateException when the database is read-only
   */
  Tx beginWrite();

  /**
   * Runs {@code fn} in a read transaction.
   *
   * @param <T> the result type
   * @param fn the work
   * @return what {@code fn} returned
   */
  default <T> T view(Function<? super Tx, ? extends T> fn) {
    try (Tx tx = beginRead()) {
      return fn.apply(tx);
    }
  }

  /**
   * Runs {@code fn} in a write transaction and commits it if {@code fn} returns normally, else
   * rolls back.
   *
   * @param fn the work
   */
  default void update(Consumer<? super Tx> fn) {
    updateAndGet(
        tx -> {
          fn.accept(tx);
          return Boolean.TRUE;
        });
  }

  /**
   * Like {@link #update(Consumer)}, returning a result.
   *
   * @param <T> the result type
   * @param fn the work
   * @return what {@code fn} returned
   */
  default <T> T updateAndGet(Function<? super Tx, ? extends T> fn) {
    try (Tx tx = beginWrite()) {
      T result = fn.apply(tx);
      tx.commit();
      return result;
    }
  }

  /**
   * @return the problems found by a full consistency check of the latest snapshot; empty when
   *     consistent
   */
  default List<BoltProblem> check() {
    return view(Tx::check);
  }

  /**
   * @return statistics of the latest snapshot
   */
  default BoltStats stats() {
    return view(Tx::stats);
  }

  /**
   * Closes the file and releases the lock; waits for nothing, open transactions fail afterwards.
   */
  @Override
  void close();
}
