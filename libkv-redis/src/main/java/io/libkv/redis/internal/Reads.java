package io.libkv.redis.internal;

import static io.libkv.redis.internal.StoreScript.bytes;
import static io.libkv.redis.internal.StoreScript.number;
import static io.libkv.redis.internal.StoreScript.text;
import static io.libkv.redis.internal.StoreScript.utf8;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.libkv.KVPair;
import io.libkv.spi.WatchHub;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The store's reads, each one run of the script (so one moment of the store): a key, a directory, a
 * key or directory with the store index it was read at, and the change history after an index.
 */
final class Reads {
  private final StoreScript script;

  Reads(StoreScript script) {
    this.script = script;
  }

  /** A key and the store index it was read at. */
  record KeyAt(@Nullable KVPair pair, long index) {}

  /** A directory's live pairs, sorted, the store index they were read at, and whether found. */
  record DirAt(List<KVPair> pairs, long index, boolean found) {}

  /** The changes after an index, grouped per change set, and the store index they run up to. */
  record History(
      long index, long first, List<KVPair> pairs, List<List<WatchHub.Change>> changeSets) {}

  @Nullable KVPair get(String key) {
    List<Object> r = script.list(false, key, "get", "get", utf8(key));
    if (r.isEmpty()) {
      return null;
    }
    return KVPair.ofOwned(key, bytes(r.get(0)), number(r.get(1)));
  }

  KeyAt key(String key) {
    List<Object> r = script.list(false, key, "watch", "snapkey", utf8(key));
    long index = number(r.get(0));
    if (r.size() < 3) {
      return new KeyAt(null, index);
    }
    return new KeyAt(KVPair.ofOwned(key, bytes(r.get(1)), number(r.get(2))), index);
  }

  DirAt dir(String dir) {
    List<Object> r = script.list(false, dir, "list", "list", utf8(dir));
    List<KVPair> pairs = new ArrayList<>((r.size() - 2) / 3);
    for (Object[] t : StoreScript.triples(r, 2)) {
      pairs.add(KVPair.ofOwned(text(t[0]), bytes(t[1]), number(t[2])));
    }
    return new DirAt(pairs, number(r.get(0)), number(r.get(1)) == 1);
  }

  /** Where the stream stands around index {@code after}, read at one moment. */
  Probe probe(long after) {
    List<Object> r =
        script.list(false, null, "read the change stream", "probe", StoreScript.num(after));
    String first = text(r.get(1));
    return new Probe(number(r.get(0)), first.isEmpty() ? 0 : entryIndex(first), text(r.get(2)));
  }

  /**
   * The store's index, the index of the first stream entry after the one probed (0: none), and the
   * id of the probed index's first entry ("": none, trimmed or never written).
   */
  record Probe(long index, long first, String entryId) {}

  /**
   * The changes after {@code after} and, when {@code dir} is given, the directory's pairs, read at
   * one moment.
   */
  History history(long after, @Nullable String dir) {
    List<Object> r =
        script.list(
            false,
            dir,
            "read the change stream",
            "history",
            StoreScript.num(after),
            utf8(dir == null ? "0" : "1"),
            utf8(dir == null ? "" : dir));
    String first = text(r.get(1));
    int n3 = (int) number(r.get(2));
    List<KVPair> pairs = new ArrayList<>(n3 / 3);
    for (Object[] t : StoreScript.triples(r.subList(3, 3 + n3), 0)) {
      pairs.add(KVPair.ofOwned(text(t[0]), bytes(t[1]), number(t[2])));
    }
    List<List<WatchHub.Change>> sets = new ArrayList<>();
    long setIndex = -1;
    List<WatchHub.Change> set = null;
    int i = 3 + n3;
    while (i < r.size()) {
      long idx = entryIndex(text(r.get(i)));
      int n = (int) number(r.get(i + 1));
      List<Object> fields = r.subList(i + 2, i + 2 + n);
      i += 2 + n;
      if (set == null || idx != setIndex) {
        set = new ArrayList<>();
        sets.add(set);
        setIndex = idx;
      }
      for (int f = 0; f + 1 < fields.size(); f += 2) {
        set.add(change(bytes(fields.get(f)), bytes(fields.get(f + 1)), idx));
      }
    }
    return new History(number(r.get(0)), first.isEmpty() ? 0 : entryIndex(first), pairs, sets);
  }

  /** The store index of stream entry {@code id} ("INDEX-SEQ"). */
  static long entryIndex(String id) {
    int dash = id.indexOf('-');
    return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
  }

  /** One change of a stream entry: field "P" or "D" then the key, the value (puts). */
  static WatchHub.Change change(byte[] field, byte[] value, long index) {
    String key = new String(Arrays.copyOfRange(field, 1, field.length), UTF_8);
    if (field.length > 0 && field[0] == 'P') {
      return WatchHub.Change.put(KVPair.ofOwned(key, value, index));
    }
    return WatchHub.Change.delete(key, index);
  }
}
