package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/** The 64 meta fields of a meta page (docs/bbolt-format.md, "Meta pages"); immutable. */
record Meta(int pageSize, long root, long rootSequence, long freelist, long highWater, long txid) {

  static final int OFFSET = Format.PAGE_HEADER;
  static final int CHECKSUMMED = 56;

  /** Why a meta page is invalid, or null when it is valid. */
  static @Nullable String invalidReason(ByteBuffer page, int off) {
    if (page.getInt(off + 16) != Format.MAGIC) {
      return String.format("bad magic 0x%08x", page.getInt(off + 16));
    }
    if (page.getInt(off + 20) != Format.VERSION) {
      return "unsupported version " + page.getInt(off + 20);
    }
    long stored = page.getLong(off + 72);
    long computed = Format.fnv1a(page, off + 16, CHECKSUMMED);
    if (stored != 0 && stored != computed) {
      return String.format(
          "checksum mismatch (stored 0x%016x, computed 0x%016x)", stored, computed);
    }
    return null;
  }

  static Meta read(ByteBuffer page, int off) {
    return new Meta(
        page.getInt(off + 24),
        page.getLong(off + 32),
        page.getLong(off + 40),
        page.getLong(off + 48),
        page.getLong(off + 56),
        page.getLong(off + 64));
  }

  boolean hasFreelist() {
    return freelist != Format.NO_FREELIST;
  }

  /**
   * The careful reader's extra rules (docs/bbolt-format.md, "Meta pages"); throws naming the meta
   * slot.
   */
  void validate(int slot, long fileSize) {
    String where = "page " + slot + ": meta (txid " + txid + ")";
    if (root < 2 || root >= highWater) {
      throw new BoltCorruptionException(
          where + " has root page " + root + " outside [2, " + highWater + ")");
    }
    if (hasFreelist() && (freelist < 2 || freelist >= highWater)) {
      throw new BoltCorruptionException(
          where + " has freelist page " + freelist + " outside [2, " + highWater + ")");
    }
    if (highWater > Long.MAX_VALUE / pageSize || highWater * pageSize > fileSize) {
      throw new BoltCorruptionException(
          where
              + " needs "
              + highWater
              + " pages of "
              + pageSize
              + " bytes but the file has only "
              + fileSize
              + " bytes (truncated?)");
    }
  }

  Meta with(long newRoot, long newRootSeq, long newFreelist, long newHighWater, long newTxid) {
    return new Meta(pageSize, newRoot, newRootSeq, newFreelist, newHighWater, newTxid);
  }

  /** A full meta page for slot {@code txid mod 2}, checksum included. */
  ByteBuffer toPage() {
    ByteBuffer b = ByteBuffer.allocate(pageSize).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, txid & 1);
    b.putShort(8, (short) Format.META);
    b.putInt(16, Format.MAGIC);
    b.putInt(20, Format.VERSION);
    b.putInt(24, pageSize);
    b.putInt(28, 0);
    b.putLong(32, root);
    b.putLong(40, rootSequence);
    b.putLong(48, freelist);
    b.putLong(56, highWater);
    b.putLong(64, txid);
    b.putLong(72, Format.fnv1a(b, 16, CHECKSUMMED));
    return b;
  }
}
