package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.libkv.InvalidKeyException;
import io.libkv.Keys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Maps canonical libkv keys to etcd keys under the store's prefix, and back. With prefix {@code
 * app}, key {@code a/b} is etcd key {@code app/a/b}; the library's own records live under {@code
 * app/_libkv/}. Lock queues are {@code _libkv/locks/KEY//ENTRY}: the empty segment cannot occur in
 * a user key, so the queue of {@code a} never holds the entries of {@code a/b}.
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
  ByteString key(String canonical) {
    return UnsafeByteOperations.unsafeWrap(
        concat(root, canonical.getBytes(StandardCharsets.UTF_8)));
  }

  /** The first etcd key below a canonical directory ("" = the store's root). */
  ByteString dirStart(String dir) {
    return dir.isEmpty() ? rootStart() : key(dir + "/");
  }

  /** The etcd key just past everything below a directory. */
  ByteString dirEnd(String dir) {
    return dir.isEmpty()
        ? rootEnd()
        : UnsafeByteOperations.unsafeWrap(prefixEnd(dirStart(dir).toByteArray()));
  }

  /** The first etcd key of the store ("\0" = every key when there is no prefix). */
  ByteString rootStart() {
    return UnsafeByteOperations.unsafeWrap(root.length == 0 ? ALL : root);
  }

  /** The end of the store's range. */
  ByteString rootEnd() {
    return UnsafeByteOperations.unsafeWrap(prefixEnd(root));
  }

  /** The queue directory of a lock on canonical key {@code key}. */
  ByteString lockQueue(String key) {
    return key(Keys.RESERVED_PREFIX + "locks/" + key + "//");
  }

  /**
   * The canonical key of an etcd key, or null when it is outside the prefix or not a canonical key
   * (written by another tool: such keys are never shown).
   */
  @Nullable String decode(ByteString etcdKey) {
    if (etcdKey.size() <= root.length || !etcdKey.startsWith(rootBytes)) {
      return null;
    }
    return keyOrNull(etcdKey.substring(root.length).toStringUtf8());
  }

  private static @Nullable String keyOrNull(String k) {
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
