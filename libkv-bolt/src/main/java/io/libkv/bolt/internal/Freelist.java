package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Free page ids (sorted) and pages freed by write transactions that open readers may still see
 * (pending, by freeing txid). Guarded by the writer lock.
 */
final class Freelist {
  private long[] free = new long[16];
  private int size;
  private final TreeMap<Long, List<Long>> pending = new TreeMap<>();
  private final Set<Long> pendingSet = new HashSet<>();

  /** Ids the current write transaction took from {@link #free}, returned on rollback. */
  private final List<Long> allocated = new ArrayList<>();

  int freeCount() {
    return size;
  }

  int pendingCount() {
    return pendingSet.size();
  }

  /**
   * Loads the stored freelist page (docs/bbolt-format.md, "Freelist"); ids are validated against
   * the high-water mark.
   */
  static Freelist read(ByteBuffer node, long pgid, long highWater) {
    int flags = node.getShort(8) & 0xFFFF;
    if ((flags & Format.FREELIST) == 0) {
      throw new BoltCorruptionException(
          "page " + pgid + ": expected the freelist page, found type " + Format.typeName(flags));
    }
    long n = node.getShort(10) & 0xFFFF;
    int at = Format.PAGE_HEADER;
    if (n == 0xFFFF) {
      n = node.getLong(at);
      at += 8;
    }
    if (n < 0 || at + n * 8 > node.capacity()) {
      throw new BoltCorruptionException(
          "page "
              + pgid
              + ": freelist of "
              + n
              + " ids does not fit in its "
              + node.capacity()
              + " bytes");
    }
    Freelist f = new Freelist();
    f.free = new long[(int) Math.max(16, n)];
    for (int i = 0; i < n; i++) {
      long id = node.getLong(at + 8 * i);
      if (id < 2 || id >= highWater) {
        throw new BoltCorruptionException(
            "page " + pgid + ": freelist id " + id + " outside [2, " + highWater + ")");
      }
      f.free[i] = id;
    }
    f.size = (int) n;
    Arrays.sort(f.free, 0, f.size);
    for (int i = 1; i < f.size; i++) {
      if (f.free[i] == f.free[i - 1]) {
        throw new BoltCorruptionException(
            "page " + pgid + ": freelist lists page " + f.free[i] + " twice");
      }
    }
    return f;
  }

  /** Every id in [2, highWater) not set in {@code used}. */
  static Freelist fromUnused(BitSet used, long highWater) {
    Freelist f = new Freelist();
    for (long id = 2; id < highWater; id++) {
      if (!used.get((int) id)) {
        f.add(id);
      }
    }
    return f;
  }

  private void add(long id) {
    if (size == free.length) {
      free = Arrays.copyOf(free, size * 2);
    }
    free[size++] = id;
  }

  /** The free ids (not pending), sorted. */
  long[] ids() {
    return Arrays.copyOf(free, size);
  }

  boolean isFree(long id) {
    return Arrays.binarySearch(free, 0, size, id) >= 0 || pendingSet.contains(id);
  }

  /** Takes the lowest run of {@code n} consecutive free ids; 0 when there is none. */
  long allocate(int n) {
    if (size == 0) {
      return 0;
    }
    int runStart = 0;
    for (int i = 0; i < size; i++) {
      if (i > 0 && free[i] != free[i - 1] + 1) {
        runStart = i;
      }
      if (i - runStart + 1 == n) {
        long first = free[runStart];
        System.arraycopy(free, i + 1, free, runStart, size - i - 1);
        size -= n;
        for (int k = 0; k < n; k++) {
          allocated.add(first + k);
        }
        return first;
      }
    }
    return 0;
  }

  /**
   * Marks pages {@code [id, id + pages)} freed by {@code txid}; refuses a double free as
   * corruption.
   */
  void free(long txid, long id, long pages) {
    List<Long> list = pending.computeIfAbsent(txid, t -> new ArrayList<>());
    for (long p = id; p < id + pages; p++) {
      if (p < 2 || isFree(p)) {
        throw new BoltCorruptionException(
            "page " + p + ": freed twice (it is already free or pending)");
      }
      list.add(p);
      pendingSet.add(p);
    }
  }

  /** Moves pages freed by transactions up to {@code txid} (inclusive) to the free set. */
  void release(long txid) {
    Map<Long, List<Long>> done = pending.headMap(txid, true);
    if (done.isEmpty()) {
      return;
    }
    List<Long> ids = new ArrayList<>();
    for (List<Long> l : done.values()) {
      ids.addAll(l);
    }
    done.clear();
    pendingSet.removeAll(ids);
    merge(ids);
  }

  private void merge(List<Long> ids) {
    long[] merged = Arrays.copyOf(free, Math.max(16, size + ids.size()));
    int n = size;
    for (long id : ids) {
      merged[n++] = id;
    }
    Arrays.sort(merged, 0, n);
    free = merged;
    size = n;
  }

  /** Start of a write transaction. */
  void begin() {
    allocated.clear();
  }

  /** Undoes the allocations and frees of write transaction {@code txid}. */
  void rollback(long txid) {
    List<Long> l = pending.remove(txid);
    if (l != null) {
      pendingSet.removeAll(l);
    }
    merge(allocated);
    allocated.clear();
  }

  /** Bytes the stored freelist needs, per bbolt's sizing (count escape included). */
  long storedSize() {
    long n = (long) size + pendingSet.size();
    if (n >= 0xFFFF) {
      n++;
    }
    return Format.PAGE_HEADER + 8 * n;
  }

  /** Serializes free and pending ids, sorted, into a freelist node at {@code pgid}. */
  ByteBuffer write(long pgid, int pages, int pageSize) {
    long[] all = Arrays.copyOf(free, size + pendingSet.size());
    int n = size;
    for (long id : pendingSet) {
      all[n++] = id;
    }
    Arrays.sort(all);
    ByteBuffer b = ByteBuffer.allocate(pages * pageSize).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, pgid);
    b.putShort(8, (short) Format.FREELIST);
    b.putInt(12, pages - 1);
    int at = Format.PAGE_HEADER;
    if (all.length >= 0xFFFF) {
      b.putShort(10, (short) 0xFFFF);
      b.putLong(at, all.length);
      at += 8;
    } else {
      b.putShort(10, (short) all.length);
    }
    for (long id : all) {
      b.putLong(at, id);
      at += 8;
    }
    return b;
  }
}
