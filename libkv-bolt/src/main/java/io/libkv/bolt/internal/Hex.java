package io.libkv.bolt.internal;

import java.util.HexFormat;

/** Keys in messages: lower-case hex, shortened when long. */
final class Hex {
  private Hex() {}

  static String of(byte[] b) {
    String s = HexFormat.of().formatHex(b, 0, Math.min(b.length, 64));
    return b.length > 64 ? s + "…(" + b.length + " bytes)" : s;
  }
}
