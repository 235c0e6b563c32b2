package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.libkv.InvalidKeyException;
import io.libkv.Keys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Maps canonical libkv keys to etcd keys under the store's prefix, and back. With prefix {@code app},
 * key {@code a/b} is etcd key {@code app/a/b}; the library's own records live under {@code
 * app/_libkv/}. Lock queues are {@code _libkv/locks/KEY//ENTRY}: the empty segment cannot occur in a
 * user key, so the queue of {@code a} never holds the entries of {@code a/b}.
 */
final class KeySpace {
  private static final byte[] ALL = {0};

  private final byte[] root;
  private final ByteString rootBytes;

  KeySpace(String prefix) {
    this.root = prefix.isEmpty() ? new byte[0] : (prefix + "/").getBytes(StandardCharsets.UTF_8);
    this.rootBytes = ByteString.copyFrom(root);
  }

  /** The etcd key of a canonical key (user or internal). */
  ByteSequence key(String canonical) {
    return ByteSequence.from(concat(root, canonical.getBytes(StandardCharsets.UTF_8)));
  }

  /** The first etcd key below a canonical directory ("" = the store's root). */
  ByteSequence dirStart(String dir) {
    return dir.isEmpty() ? rootStart() : key(dir + "/");
  }

  /** The etcd key just past everything below a directory. */
  ByteSequence dirEnd(String dir) {
    return dir.isEmpty() ? rootEnd() : ByteSequence.from(prefixEnd(dirStart(dir).getBytes()));
  }

  /** The first etcd key of the store ("\0" = every key when there is no prefix). */
  ByteSequence rootStart() {
    return ByteSequence.from(root.length == 0 ? ALL : root);
  }

  /** The end of the store's range. */
  ByteSequence rootEnd() {
    return ByteSequence.from(prefixEnd(root));
  }

  /** The queue directory of a lock on canonical key {@code key}. */
  ByteSequence lockQueue(String key) {
    return key(Keys.RESERVED_PREFIX + "locks/" + key + "//");
  }

  /**
   * The canonical key of an etcd key, or null when it is outside the prefix or not a canonical key
   * (written by another tool: such keys are never shown).
   */
  String decode(ByteSequence etcdKey) {
    byte[] b = etcdKey.getBytes();
    if (b.length <= root.length || !Arrays.equals(b, 0, root.length, root, 0, root.length)) {
      return null;
    }
    return keyOrNull(new String(b, root.length, b.length - root.length, StandardCharsets.UTF_8));
  }

  /** {@link #decode(ByteSequence)} of a key as it comes off the wire (a listing's, without copies). */
  String decode(ByteString etcdKey) {
    if (etcdKey.size() <= root.length || !etcdKey.startsWith(rootBytes)) {
      return null;
    }
    return keyOrNull(etcdKey.substring(root.length).toStringUtf8());
  }

  private static String keyOrNull(String k) {
    if (Keys.isReserved(k)) {
      return k;
    }
    try {
      return Keys.canonicalKey(k).equals(k) ? k : null;
    } catch (InvalidKeyException e) {
      return null;
    }
  }


  /** The etcd range end of everything starting with {@code prefix} ("\0" for all keys). */
  static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return ALL;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
