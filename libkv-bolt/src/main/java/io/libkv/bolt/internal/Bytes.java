package io.libkv.bolt.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Unsigned byte-string comparison between mapped bytes and arrays. */
final class Bytes {
  private static final VarHandle BE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private Bytes() {}

  /**
   * Compares {@code len} bytes of little-endian buffer {@code b} at {@code off} with {@code key}.
   */
  static int compare(ByteBuffer b, int off, int len, byte[] key) {
    int n = Math.min(len, key.length);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long x = Long.reverseBytes(b.getLong(off + i));
      long y = (long) BE_LONG.get(key, i);
      if (x != y) {
        return Long.compareUnsigned(x, y);
      }
    }
    for (; i < n; i++) {
      int c = (b.get(off + i) & 0xFF) - (key[i] & 0xFF);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(len, key.length);
  }
}
