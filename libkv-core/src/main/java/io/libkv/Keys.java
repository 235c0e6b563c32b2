package io.libkv;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Objects;

/**
 * The key rules every backend shares.
 *
 * <p>A key is a {@code /}-separated path. Its canonical form has no leading or trailing {@code /};
 * {@code "a/b"}, {@code "/a/b"} and {@code "a/b/"} name the same key. Rejected with {@link
 * InvalidKeyException}: the empty key, empty segments ({@code a//b}), {@code .} and {@code ..}
 * segments, control characters (U+0000-U+001F, U+007F-U+009F), unpaired surrogates, more than
 * {@link #MAX_KEY_BYTES} UTF-8 bytes (or a backend's lower limit), and keys under the reserved
 * namespace {@value #RESERVED_PREFIX}.
 */
public final class Keys {
  /** The root namespace the library keeps for its own records (lock queues, bookkeeping). */
  public static final String RESERVED_PREFIX = "_libkv/";

  /** The reserved namespace's directory name. */
  public static final String RESERVED_DIR = "_libkv";

  /** The longest key, in UTF-8 bytes, that any backend accepts. */
  public static final int MAX_KEY_BYTES = 4096;

  /** Orders keys by their UTF-8 bytes (the same as by code points), as every listing is sorted. */
  public static final Comparator<String> UTF8_ORDER = Keys::compareUtf8;

  private Keys() {}

  private static int compareUtf8(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        // surrogates (U+D800..U+DFFF) encode code points above U+FFFF, which sort after
        // U+E000..U+FFFF in UTF-8
        boolean sa = Character.isSurrogate(ca);
        boolean sb = Character.isSurrogate(cb);
        if (sa != sb) {
          return sa ? 1 : -1;
        }
        return ca - cb;
      }
    }
    return a.length() - b.length();
  }

  /**
   * Returns the canonical form of a user key.
   *
   * @throws NullPointerException if key is null
   * @throws InvalidKeyException if the key breaks a rule; the message names the rule
   */
  public static String canonicalKey(String key) {
    String k = canonical(key, "key", false);
    if (isReserved(k)) {
      throw new InvalidKeyException(
          "key is in the reserved namespace " + RESERVED_PREFIX, k, null, null);
    }
    return k;
  }

  /**
   * Returns the canonical form of a directory: like {@link #canonicalKey(String)}, except that
   * {@code ""} and {@code "/"} name the root and return {@code ""}.
   */
  public static String canonicalDirectory(String dir) {
    String d = canonical(dir, "directory", true);
    if (isReserved(d)) {
      throw new InvalidKeyException(
          "directory is in the reserved namespace " + RESERVED_PREFIX, d, null, null);
    }
    return d;
  }

  /**
   * Canonicalises a key for the library's own records under {@value #RESERVED_PREFIX}: the same
   * rules, but the reserved namespace is allowed.
   */
  public static String canonicalInternalKey(String key) {
    return canonical(key, "key", false);
  }

  /** Whether a canonical key or directory lies in the reserved namespace. */
  public static boolean isReserved(String canonical) {
    return canonical.equals(RESERVED_DIR) || canonical.startsWith(RESERVED_PREFIX);
  }

  /**
   * Whether canonical {@code key} lies strictly below canonical directory {@code dir} on a segment
   * boundary ({@code app} never contains {@code apple}); the root {@code ""} contains every key.
   */
  public static boolean isBelow(String key, String dir) {
    if (dir.isEmpty()) {
      return !key.isEmpty();
    }
    return key.length() > dir.length() && key.startsWith(dir) && key.charAt(dir.length()) == '/';
  }

  /**
   * The prefix that every key below canonical {@code dir} starts with: {@code "dir/"}, or "" for
   * the root.
   */
  public static String prefixOf(String dir) {
    return dir.isEmpty() ? "" : dir + "/";
  }

  /** The length of a key in UTF-8 bytes. */
  public static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static String canonical(String key, String what, boolean rootAllowed) {
    Objects.requireNonNull(key, what);
    int start = 0;
    int end = key.length();
    if (end > 0 && key.charAt(0) == '/') {
      start = 1;
    }
    if (end > start && key.charAt(end - 1) == '/') {
      end--;
    }
    String k = key.substring(start, end);
    if (k.isEmpty()) {
      if (rootAllowed) {
        return "";
      }
      throw new InvalidKeyException(
          "empty " + what + " (\"" + printable(key) + "\")", printable(key), null, null);
    }
    int segStart = 0;
    for (int i = 0; i <= k.length(); i++) {
      char c = i < k.length() ? k.charAt(i) : '/';
      if (c == '/') {
        int len = i - segStart;
        if (len == 0) {
          throw new InvalidKeyException(what + " has an empty segment", printable(k), null, null);
        }
        if ((len == 1 && k.charAt(segStart) == '.')
            || (len == 2 && k.charAt(segStart) == '.' && k.charAt(segStart + 1) == '.')) {
          throw new InvalidKeyException(
              what + " has a '.' or '..' segment", printable(k), null, null);
        }
        segStart = i + 1;
      } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        throw new InvalidKeyException(
            what
                + " holds control character U+"
                + String.format("%04X", (int) c)
                + " at offset "
                + i,
            printable(k),
            null,
            null);
      } else if (Character.isSurrogate(c)) {
        boolean paired =
            Character.isHighSurrogate(c)
                && i + 1 < k.length()
                && Character.isLowSurrogate(k.charAt(i + 1));
        if (!paired) {
          throw new InvalidKeyException(
              what + " holds an unpaired surrogate at offset " + i, printable(k), null, null);
        }
        i++;
      }
    }
    int bytes = utf8Length(k);
    if (bytes > MAX_KEY_BYTES) {
      throw new InvalidKeyException(
          what + " is " + bytes + " UTF-8 bytes long, over the limit of " + MAX_KEY_BYTES,
          k.substring(0, 40) + "...",
          null,
          null);
    }
    return k;
  }

  /** A form of a key safe to put in a message: control characters escaped. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
  }

  /** Encodes a key as UTF-8. */
  public static byte[] utf8(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }
}
