package io.libkv.redis.internal;

import static io.libkv.redis.internal.StoreScript.bytes;
import static io.libkv.redis.internal.StoreScript.num;
import static io.libkv.redis.internal.StoreScript.number;
import static io.libkv.redis.internal.StoreScript.text;
import static io.libkv.redis.internal.StoreScript.utf8;

import io.libkv.KVPair;
import io.libkv.Transaction;
import io.libkv.WriteOptions;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Every write of the store as one run of the script's {@code commit}: conditions on the keys'
 * indexes, then deletes, tree deletes and puts, applied under one new index only if every condition
 * holds. Puts of ephemeral keys name the store's session of their TTL; when the server finds that
 * session gone, it is declared lost and the write runs once more with a new one.
 */
final class Writes {
  private static final byte[] EMPTY = new byte[0];

  /** What a write does to one key. */
  record Op(char type, String key, byte[] value, WriteOptions options) {
    static Op put(String key, byte[] value, WriteOptions options) {
      return new Op('P', key, value, options);
    }

    static Op delete(String key) {
      return new Op('D', key, EMPTY, WriteOptions.DEFAULT);
    }

    static Op deleteTree(String dir) {
      return new Op('T', dir, EMPTY, WriteOptions.DEFAULT);
    }
  }

  /** The outcome: committed at {@code index}, or the failed condition and the compared pairs. */
  record Outcome(boolean committed, long index, int failed, List<KVPair> current) {}

  private final StoreScript script;
  private final Sessions sessions;

  Writes(StoreScript script, Sessions sessions) {
    this.script = script;
    this.sessions = sessions;
  }

  Outcome put(String key, byte[] value, WriteOptions options) {
    return commit(List.of(), List.of(Op.put(key, value, options)), key, "put");
  }

  /** Conditions as the transaction API states them. */
  Outcome commit(
      List<Transaction.Condition> conditions, List<Op> ops, @Nullable String key, String what) {
    for (int attempt = 0; ; attempt++) {
      List<byte[]> args = new ArrayList<>();
      args.add(num(conditions.size()));
      for (Transaction.Condition c : conditions) {
        if (c instanceof Transaction.Absent) {
          args.add(utf8("A"));
          args.add(utf8(c.key()));
          args.add(EMPTY);
        } else if (c instanceof Transaction.Present) {
          args.add(utf8("P"));
          args.add(utf8(c.key()));
          args.add(EMPTY);
        } else {
          args.add(utf8("I"));
          args.add(utf8(c.key()));
          args.add(num(((Transaction.IndexEquals) c).index()));
        }
      }
      args.add(num(ops.size()));
      for (Op o : ops) {
        args.add(new byte[] {(byte) o.type()});
        args.add(utf8(o.key()));
        args.add(o.value());
        WriteOptions w = o.options();
        if (o.type() == 'P' && w.isEphemeral()) {
          Sessions.Ref s = sessions.session(w.ttl().orElseThrow(), o.key());
          args.add(utf8("e"));
          args.add(num(0));
          args.add(utf8(s.id));
        } else if (o.type() == 'P' && w.isExpiring()) {
          args.add(utf8("x"));
          args.add(num(Math.max(1, w.ttl().orElseThrow().toMillis())));
          args.add(EMPTY);
        } else {
          args.add(EMPTY);
          args.add(num(0));
          args.add(EMPTY);
        }
      }
      List<Object> r = script.list(true, key, what, "commit", args.toArray(new byte[0][]));
      long outcome = number(r.get(0));
      if (outcome == 1) {
        return new Outcome(true, number(r.get(1)), 0, List.of());
      }
      if (outcome == -1) {
        sessions.gone(text(r.get(1)));
        if (attempt == 0) {
          continue;
        }
        throw new io.libkv.StoreUnavailableException(
            "the store's session expired on the server twice in a row", key, null, List.of(), null);
      }
      List<KVPair> current = new ArrayList<>();
      for (Object[] t : StoreScript.triples(r, 2)) {
        current.add(KVPair.ofOwned(text(t[0]), bytes(t[1]), number(t[2])));
      }
      return new Outcome(false, 0, (int) number(r.get(1)), current);
    }
  }
}
