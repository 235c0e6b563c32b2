package io.libkv.bolt.internal;

import java.nio.ByteBuffer;

/** Constants and small helpers of the on-disk format (see docs/bbolt-format.md). */
public final class Format {
  static final int PAGE_HEADER = 16;
  static final int ELEMENT = 16;
  static final int BUCKET_HEADER = 16;

  static final int BRANCH = 0x01;
  static final int LEAF = 0x02;
  static final int META = 0x04;
  static final int FREELIST = 0x10;

  static final int BUCKET_FLAG = 0x01;

  static final int MAGIC = 0xED0CDAED;
  static final int VERSION = 2;
  static final long NO_FREELIST = -1L;

  public static final int MAX_KEY = 32768;
  public static final int MAX_VALUE = Integer.MAX_VALUE - 1;

  /** Deepest B+tree we follow; bbolt trees stay far below it, a deeper one means a cycle. */
  static final int MAX_TREE_DEPTH = 64;

  private Format() {}

  /** FNV-1a 64 over {@code len} bytes at {@code off}. */
  static long fnv1a(ByteBuffer b, int off, int len) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < len; i++) {
      h ^= b.get(off + i) & 0xFF;
      h *= 0x100000001b3L;
    }
    return h;
  }

  static String typeName(int flags) {
    if ((flags & BRANCH) != 0) {
      return "branch";
    }
    if ((flags & LEAF) != 0) {
      return "leaf";
    }
    if ((flags & META) != 0) {
      return "meta";
    }
    if ((flags & FREELIST) != 0) {
      return "freelist";
    }
    return String.format("unknown(0x%02x)", flags);
  }
}
