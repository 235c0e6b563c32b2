package io.libkv.bolt.internal;

import io.libkv.bolt.BoltCorruptionException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Read-only maps of the file's first {@code size} bytes in chunks (one buffer addresses at most 2
 * GiB). Immutable: a remap makes a new instance, and transactions keep the one they started with.
 */
final class Mapping {
  private final ByteBuffer[] chunks;
  private final int chunkShift;
  private final long size;
  private final int pageSize;

  Mapping(FileIO io, long size, int pageSize, int chunkShift) {
    this.size = size;
    this.pageSize = pageSize;
    this.chunkShift = chunkShift;
    long chunk = 1L << chunkShift;
    int n = (int) ((size + chunk - 1) >>> chunkShift);
    chunks = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long pos = (long) i << chunkShift;
      int len = (int) Math.min(chunk, size - pos);
      chunks[i] = io.map(pos, len).order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  long size() {
    return size;
  }

  int pageSize() {
    return pageSize;
  }

  int chunkShift() {
    return chunkShift;
  }

  /**
   * Whether the map shows {@code bytes} (from position 0 to the limit) at file offset {@code at}.
   */
  boolean startsLike(ByteBuffer bytes, long at) {
    int n = bytes.limit();
    if (at < 0 || at + n > size) {
      return false;
    }
    ByteBuffer here = node(at / pageSize, 1);
    int off = (int) (at % pageSize);
    return n <= here.capacity() - off && here.slice(off, n).equals(bytes.slice(0, n));
  }

  /**
   * The bytes of node {@code pgid} spanning {@code pages} pages: a view of the map when they lie in
   * one chunk, else a heap copy (rare: only nodes straddling a chunk boundary).
   *
   * @return a little-endian buffer whose position 0 is the node's first byte
   */
  ByteBuffer node(long pgid, long pages) {
    long off = pgid * pageSize;
    long len = pages * pageSize;
    if (pgid < 0 || pages < 1 || off + len > size || len > Integer.MAX_VALUE - 8) {
      throw new BoltCorruptionException(
          "page "
              + pgid
              + ": "
              + pages
              + " page(s) reach past the mapped file ("
              + size
              + " bytes)");
    }
    int ci = (int) (off >>> chunkShift);
    int inChunk = (int) (off - ((long) ci << chunkShift));
    ByteBuffer c = chunks[ci];
    if (inChunk + len <= c.capacity()) {
      return c.slice(inChunk, (int) len).order(ByteOrder.LITTLE_ENDIAN);
    }
    ByteBuffer copy = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
    long pos = off;
    while (copy.hasRemaining()) {
      int i = (int) (pos >>> chunkShift);
      int at = (int) (pos - ((long) i << chunkShift));
      int n = Math.min(copy.remaining(), chunks[i].capacity() - at);
      copy.put(copy.position(), chunks[i], at, n);
      copy.position(copy.position() + n);
      pos += n;
    }
    return copy.clear();
  }

  /**
   * Node {@code pgid} of {@code pages} pages read in place, over the whole chunk's buffer (one
   * buffer object for every page of a chunk, so a lookup touches no per-page buffer); null when it
   * straddles a chunk boundary.
   */
  @Nullable PageNode inPlace(long pgid, long pages) {
    long off = pgid * pageSize;
    long len = pages * pageSize;
    if (pgid < 0 || pages < 1 || off + len > size || len > Integer.MAX_VALUE - 8) {
      return null;
    }
    int ci = (int) (off >>> chunkShift);
    int inChunk = (int) (off - ((long) ci << chunkShift));
    ByteBuffer c = chunks[ci];
    if (inChunk + len > c.capacity()) {
      return null;
    }
    return new PageNode(c, inChunk, (int) len, pgid, null);
  }

  /**
   * Node {@code pgid} again, which {@link #inPlace} read and its caller checked before: no check is
   * repeated.
   */
  PageNode checkedInPlace(long pgid) {
    long off = pgid * pageSize;
    int ci = (int) (off >>> chunkShift);
    return PageNode.alreadyChecked(chunks[ci], (int) (off - ((long) ci << chunkShift)), pgid);
  }

  /** Page header fields of {@code pgid}, read without building a node. */
  long headerLong(long pgid, int field) {
    long off = pgid * pageSize + field;
    if (pgid < 0 || off + 8 > size) {
      throw new BoltCorruptionException(
          "page " + pgid + ": beyond the end of the file (" + size + " bytes)");
    }
    int ci = (int) (off >>> chunkShift);
    return chunks[ci].getLong((int) (off - ((long) ci << chunkShift)));
  }
}
