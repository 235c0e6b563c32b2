package io.libkv;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * An in-memory image of a directory, filled by one listing and kept current by a tree watch from
 * that listing's index, serving reads without a round trip. Open one with {@link
 * Store#view(String)}.
 *
 * <p>Every read reflects one index of the store ({@link #index()}); a read made after a write
 * through this view or its store waits (up to {@link ViewOptions#readYourWritesTimeout()}) until
 * the image shows that write. A view never serves quietly what it cannot vouch for: once its watch
 * failed, or while it has been disconnected longer than {@link ViewOptions#maxStaleness()}, every
 * read throws {@link StaleViewException}. A RESYNC or RESET of the watch replaces the image and is
 * passed to listeners.
 *
 * <p>Thread-safe. Keys are given as for the store (full keys, not relative to the directory); a key
 * outside the directory is refused with {@link IllegalArgumentException}.
 */
public interface View extends AutoCloseable {
  /** The canonical directory this view holds ({@code ""} for the root). */
  String directory();

  /**
   * Reads a key from the image.
   *
   * @throws KeyNotFoundException if the image does not hold it
   * @throws StaleViewException if the view cannot vouch for its image
   */
  KVPair get(String key);

  /** Whether the image holds the key. */
  boolean exists(String key);

  /**
   * The image's keys strictly below {@code dir}, sorted as {@link Store#list} sorts.
   *
   * @throws KeyNotFoundException if nothing lies below {@code dir}
   */
  List<KVPair> list(String dir);

  /** The whole image, sorted; empty when the directory is empty. */
  List<KVPair> pairs();

  /** The store index the image reflects. */
  long index();

  /**
   * How long the image has gone unconfirmed: zero while its watch is connected, else the time since
   * the connection was lost.
   */
  Duration staleness();

  /** Whether reads are served: the watch has not failed and staleness is within the bound. */
  boolean isHealthy();

  /**
   * Tells {@code listener} of every change of the image, on {@code executor}, one at a time: each
   * event carries the new image and what changed (RESYNC and RESET included).
   */
  Subscription onChange(WatchListener<TreeEvent> listener, Executor executor);

  /** Puts through the store; later reads of this view show it. */
  KVPair put(String key, byte[] value);

  /** Deletes through the store; later reads of this view show it. */
  void delete(String key);

  /** Commits through the store; later reads of this view show its writes. */
  TransactionResult commit(Transaction transaction);

  /**
   * {@link Store#update} starting from this view's image of the key instead of a read of the store;
   * later reads of this view show the write.
   */
  KVPair update(String key, Function<java.util.Optional<KVPair>, byte[]> fn);

  /** Stops the watch; reads afterwards throw {@link IllegalStateException}. Idempotent. */
  @Override
  void close();
}
