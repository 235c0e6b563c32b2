package io.libkv.boltdb.internal;

import io.libkv.Capabilities;
import io.libkv.KVPair;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.WriteOptions;
import io.libkv.bolt.Tx;
import io.libkv.spi.WatchHub;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Transaction} inside one bolt write transaction: the conditions read in it, then every
 * write at one fresh index, published to watchers as one change set when the bolt transaction
 * commits. Another process's catch-up groups what it finds by index, so it sees one event too.
 */
final class TransactionApplier {
  /**
   * The largest file Go's bbolt maps on 64-bit platforms (its {@code maxMapSize}): no transaction
   * can write more than its file may hold and still be read there.
   */
  static final long MAX_FILE_BYTES = 0xFFFF_FFFF_FFFFL;

  /**
   * No count limits, bytes by the file format, and every TTL meaning the store has outside a
   * transaction (a put's TTL record is written in the same bolt transaction either way).
   */
  static final Capabilities.TransactionLimits LIMITS =
      new Capabilities.TransactionLimits(
          Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, MAX_FILE_BYTES, true, true);

  private TransactionApplier() {}

  /**
   * Evaluates and applies {@code t} (canonical keys) in {@code tx}.
   *
   * @param ttl the TTL record a put's options ask for, null for none
   */
  static TransactionResult apply(
      Tx tx,
      BucketState bucket,
      Transaction t,
      Function<WriteOptions, Layout.@Nullable TtlRecord> ttl) {
    Map<String, Optional<KVPair>> read = new HashMap<>();
    for (Transaction.Condition c : t.conditions()) {
      Optional<KVPair> cur = read.computeIfAbsent(c.key(), k -> bucket.get(tx, k));
      if (!c.holdsFor(cur.orElse(null))) {
        List<KVPair> current = new ArrayList<>();
        for (String k : t.comparedKeys()) {
          read.computeIfAbsent(k, key -> bucket.get(tx, key)).ifPresent(current::add);
        }
        return TransactionResult.failed(c, current);
      }
    }
    long[] index = {0};
    List<String> deletes = new ArrayList<>();
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Delete) {
        deletes.add(o.key());
      }
    }
    // deletes of absent keys change nothing and take no index
    List<WatchHub.Change> changes =
        new ArrayList<>(
            bucket.deleteAt(
                tx,
                deletes,
                () -> {
                  index[0] = bucket.nextIndex(tx);
                  return index[0];
                }));
    Map<String, Long> indexes = new LinkedHashMap<>();
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Put p) {
        if (index[0] == 0) {
          index[0] = bucket.nextIndex(tx);
        }
        KVPair stored =
            bucket.putAt(tx, index[0], p.key(), p.valueUnsafe(), ttl.apply(p.options()));
        changes.add(WatchHub.Change.put(stored));
        indexes.put(p.key(), index[0]);
      }
    }
    bucket.publishOnCommit(changes);
    // a commit that changed nothing was evaluated at the file's current index
    return TransactionResult.committed(indexes, index[0] != 0 ? index[0] : bucket.currentIndex(tx));
  }
}
