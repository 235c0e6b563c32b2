package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * A branch or leaf node read in place from a buffer (a mapped page or an inline bucket value).
 * Every element access is checked against the node's bytes and against bbolt's tight layout
 * (each element's data starts where the previous one's ends), so damaged offsets or lengths raise
 * {@link BoltCorruptionException} instead of reading the wrong bytes.
 */
final class PageNode implements NodeView {
    private final ByteBuffer buf;
    private final int base;
    private final int length;
    private final long pgid;
    private final boolean leaf;
    private final int count;
    /** Names an inline node in errors; null for a page (named by its id, built only on error). */
    private final Supplier<String> inlineWhere;
    /**
     * Per element once its extent is checked: its key's offset in {@link #buf} (high bits) and the
     * key's length (low 16 bits); 0 before. Pages are cached per transaction and a read
     * transaction may be shared by threads, so each entry is one opaque (untorn) 64-bit access;
     * searches then read the key directly, not the element header in the map.
     */
    private final long[] checkedKeys;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * @param inlineWhere how to name an inline node in errors (built only for an error), or null for a page
     */
    PageNode(ByteBuffer buf, int base, int length, long pgid, Supplier<String> inlineWhere) {
        this.buf = buf;
        this.base = base;
        this.length = length;
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
        checkedKeys = new long[count];
        long headers = Format.PAGE_HEADER + (long) Format.ELEMENT * count;
        if (headers > length) {
            throw corrupt(count + " elements do not fit in " + length + " bytes");
        }
        if (!leaf && count == 0) {
            throw corrupt("branch page with no elements");
        }
        if (count > 0) {
            if (start(0) != headers) {
                throw corrupt("element 0 data at offset " + start(0) + ", expected " + headers);
            }
            long end = end(count - 1);
            if (end > length || start(count - 1) < headers) {
                throw corrupt("element " + (count - 1) + " data [" + start(count - 1) + ", " + end
                        + ") outside the node's " + length + " bytes");
            }
        }
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

    /** Checks element i's extent; its key's offset in {@code buf} (high bits) and length (low 16 bits). */
    private long checkedKey(int i) {
        if (i < 0 || i >= count) {
            throw corrupt("element index " + i + " out of range (count " + count + ")");
        }
        long known = (long) ENTRY.getOpaque(checkedKeys, i);
        if (known != 0) {
            return known;
        }
        long s = start(i);
        long e = end(i);
        int ks = ksize(i);
        if (ks <= 0) {
            throw corrupt("element " + i + " has an empty or negative key length " + ks);
        }
        if (ks > Format.MAX_KEY) {
            throw corrupt("element " + i + " has a key of " + ks + " bytes, over the limit of " + Format.MAX_KEY);
        }
        if (e > length || s < Format.PAGE_HEADER + (long) Format.ELEMENT * count) {
            throw corrupt("element " + i + " data [" + s + ", " + e + ") outside the node's " + length + " bytes");
        }
        if (i > 0 && end(i - 1) != s) {
            throw corrupt("element " + i + " data starts at " + s + " but element " + (i - 1) + " ends at "
                    + end(i - 1));
        }
        if (i + 1 < count && start(i + 1) != e) {
            throw corrupt("element " + i + " data ends at " + e + " but element " + (i + 1) + " starts at "
                    + start(i + 1));
        }
        long entry = ((long) (base + (int) s) << 16) | ks;
        ENTRY.setOpaque(checkedKeys, i, entry);
        return entry;
    }

    @Override
    public boolean isLeaf() {
        return leaf;
    }

    @Override
    public int count() {
        return count;
    }

    private static int keyAt(long entry) {
        return (int) (entry >>> 16);
    }

    private static int keyLen(long entry) {
        return (int) (entry & 0xFFFF);
    }

    @Override
    public int compareKey(int i, byte[] key) {
        long k = checkedKey(i);
        return Bytes.compare(buf, keyAt(k), keyLen(k), key);
    }

    @Override
    public byte[] key(int i) {
        long k = checkedKey(i);
        byte[] out = new byte[keyLen(k)];
        buf.get(keyAt(k), out);
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
        checkedKey(i);
        return vsize(i);
    }

    /** Offset in {@link #buffer()} of element i's value (checked). */
    int valueOffset(int i) {
        long k = checkedKey(i);
        return keyAt(k) + keyLen(k);
    }

    ByteBuffer buffer() {
        return buf;
    }

    @Override
    public long child(int i) {
        checkedKey(i);
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
