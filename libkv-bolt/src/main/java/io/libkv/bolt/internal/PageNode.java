package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A branch or leaf node read in place from a buffer (a mapped page or an inline bucket value).
 * Every element is checked when the node is read, against the node's bytes and against bbolt's
 * tight layout (each element's data starts where the previous one's ends), so damaged offsets or
 * lengths raise {@link BoltCorruptionException} instead of reading the wrong bytes. Immutable, so
 * threads sharing a read transaction share its nodes.
 */
final class PageNode implements NodeView {
  private final ByteBuffer buf;
  private final int base;
  private final long pgid;
  private final boolean leaf;
  private final int count;

  /** Names an inline node in errors; null for a page (named by its id, built only on error). */
  private final @Nullable Supplier<String> inlineWhere;

  /**
   * @param inlineWhere how to name an inline node in errors (built only for an error), or null for
   *     a page
   */
  PageNode(
      ByteBuffer buf, int base, int length, long pgid, @Nullable Supplier<String> inlineWhere) {
    this.buf = buf;
    this.base = base;
    this.pgid = pgid;
    this.inlineWhere = inlineWhere;
    if (length < Format.PAGE_HEADER) {
      throw corrupt("node of " + length + " bytes is shorter than a page header");
    }
    int flags = buf.getShort(base + 8) & 0xFFFF;
    if ((flags & Format.BRANCH) != 0) {
      leaf = false;
    } else if ((flags & Format.LEAF) != 0) {
      leaf = true;
    } else {
      throw corrupt("expected a branch or leaf page, found type " + Format.typeName(flags));
    }
    count = buf.getShort(base + 10) & 0xFFFF;
    long headers = Format.PAGE_HEADER + (long) Format.ELEMENT * count;
    if (headers > length) {
      throw corrupt(count + " elements do not fit in " + length + " bytes");
    }
    if (!leaf && count == 0) {
      throw corrupt("branch page with no elements");
    }
    // every element is checked once, here, so that lookups read keys straight from the map
    long expect = headers;
    for (int i = 0; i < count; i++) {
      long st = start(i);
      if (st != expect) {
        throw corrupt(
            i == 0
                ? "element 0 data at offset " + st + ", expected " + headers
                : "element "
                    + i
                    + " data starts at "
                    + st
                    + " but element "
                    + (i - 1)
                    + " ends at "
                    + expect);
      }
      int ks = ksize(i);
      if (ks <= 0) {
        throw corrupt("element " + i + " has an empty or negative key length " + ks);
      }
      if (ks > Format.MAX_KEY) {
        throw corrupt(
            "element " + i + " has a key of " + ks + " bytes, over the limit of " + Format.MAX_KEY);
      }
      long e = st + ks + (vsize(i) & 0xFFFFFFFFL);
      if (e > length) {
        throw corrupt(
            "element "
                + i
                + " data ["
                + st
                + ", "
                + e
                + ") outside the node's "
                + length
                + " bytes");
      }
      expect = e;
    }
  }

  private PageNode(ByteBuffer buf, int base, long pgid, boolean leaf, int count) {
    this.buf = buf;
    this.base = base;
    this.pgid = pgid;
    this.leaf = leaf;
    this.count = count;
    this.inlineWhere = null;
  }

  /**
   * A node its transaction has read (and so checked) before: no element is checked again, so a
   * fresh instance per lookup costs less than keeping one and reaching it through memory.
   */
  static PageNode alreadyChecked(ByteBuffer buf, int base, long pgid) {
    int flags = buf.getShort(base + 8) & 0xFFFF;
    return new PageNode(
        buf, base, pgid, (flags & Format.BRANCH) == 0, buf.getShort(base + 10) & 0xFFFF);
  }

  private BoltCorruptionException corrupt(String msg) {
    return new BoltCorruptionException(where() + ": " + msg);
  }

  private int elem(int i) {
    return base + Format.PAGE_HEADER + Format.ELEMENT * i;
  }

  /** Data start of element i, relative to the node start. */
  private long start(int i) {
    int e = elem(i);
    long pos = buf.getInt(leaf ? e + 4 : e) & 0xFFFFFFFFL;
    return Format.PAGE_HEADER + (long) Format.ELEMENT * i + pos;
  }

  private int ksize(int i) {
    return buf.getInt(elem(i) + (leaf ? 8 : 4));
  }

  private int vsize(int i) {
    return leaf ? buf.getInt(elem(i) + 12) : 0;
  }

  private long end(int i) {
    return start(i) + (ksize(i) & 0xFFFFFFFFL) + (vsize(i) & 0xFFFFFFFFL);
  }

  /** Offset in {@link #buf} of element i's key (the node was checked when read). */
  private int keyAt(int i) {
    if (i < 0 || i >= count) {
      throw corrupt("element index " + i + " out of range (count " + count + ")");
    }
    int e = elem(i);
    return e + buf.getInt(leaf ? e + 4 : e);
  }

  @Override
  public boolean isLeaf() {
    return leaf;
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public int compareKey(int i, byte[] key) {
    return Bytes.compare(buf, keyAt(i), ksize(i), key);
  }

  @Override
  public byte[] key(int i) {
    int at = keyAt(i);
    byte[] out = new byte[ksize(i)];
    buf.get(at, out);
    return out;
  }

  @Override
  public int flags(int i) {
    return leaf ? buf.getInt(elem(i)) : 0;
  }

  @Override
  public byte[] value(int i) {
    byte[] v = new byte[valueLength(i)];
    buf.get(valueOffset(i), v);
    return v;
  }

  @Override
  public int valueLength(int i) {
    keyAt(i);
    return vsize(i);
  }

  /** Offset in {@link #buffer()} of element i's key (checked). */
  int keyOffset(int i) {
    return keyAt(i);
  }

  /** Length of element i's key. */
  int keyLength(int i) {
    return ksize(i);
  }

  /** Offset in {@link #buffer()} of element i's value (checked). */
  int valueOffset(int i) {
    return keyAt(i) + ksize(i);
  }

  ByteBuffer buffer() {
    return buf;
  }

  @Override
  public long child(int i) {
    keyAt(i);
    return buf.getLong(elem(i) + 8);
  }

  @Override
  public long pgid() {
    return pgid;
  }

  String where() {
    return inlineWhere != null ? inlineWhere.get() : "page " + pgid;
  }

  /** Bytes of the node in use (header, elements and data). */
  long usedBytes() {
    return count == 0 ? Format.PAGE_HEADER : end(count - 1);
  }
}
