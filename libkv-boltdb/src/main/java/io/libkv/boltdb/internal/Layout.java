package io.libkv.boltdb.internal;

import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.StoreCorruptedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * The bytes of a libkv bbolt file. User data is Go libkv's: one bucket, key = the key's UTF-8
 * bytes, value = 8-byte little-endian index then the user's bytes. Our own records live in the
 * top-level bucket {@value #META} (which Go libkv never reads), one nested bucket per user bucket:
 * the schema version, the index counter, TTL records, lock records and delete tombstones.
 */
final class Layout {
  static final byte[] META = utf8("_libkv");
  static final byte[] SCHEMA = utf8("schema");
  static final byte[] COUNTER = utf8("counter");
  static final byte[] TTL = utf8("ttl");
  static final byte[] LOCKS = utf8("locks");
  static final byte[] TOMBSTONES = utf8("tombstones");
  static final int SCHEMA_VERSION = 1;
  static final int INDEX_BYTES = 8;

  static final byte EPHEMERAL = 0;
  static final byte EXPIRING = 1;

  private Layout() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static long u64(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static byte[] encodeValue(long index, byte[] value) {
    byte[] out = new byte[INDEX_BYTES + value.length];
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(index);
    System.arraycopy(value, 0, out, INDEX_BYTES, value.length);
    return out;
  }

  static long indexOf(byte[] stored) {
    return ByteBuffer.wrap(stored).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** Decodes a stored value; {@code key} is canonical. */
  static KVPair decode(String key, byte[] stored, String store) {
    return decode(key, ByteBuffer.wrap(stored), store);
  }

  /**
   * The index prefix of a stored value seen in place, checked as {@link #decode} checks it; nothing
   * is copied.
   */
  static long indexOf(String key, ByteBuffer stored, String store) {
    int length = stored.remaining();
    if (length < INDEX_BYTES) {
      throw new StoreCorruptedException(
          "stored value of "
              + length
              + " bytes is shorter than the 8-byte index prefix of the libkv layout",
          key,
          store,
          null);
    }
    long index = stored.order(ByteOrder.LITTLE_ENDIAN).getLong(stored.position());
    if (index <= 0) {
      // Go libkv's counter starts at 1; 0 would be a value not written through libkv
      throw new StoreCorruptedException(
          "stored index is " + index + ", not positive", key, store, null);
    }
    return index;
  }

  /** Decodes a stored value seen in place (from its position to its limit), copying it once. */
  static KVPair decode(String key, ByteBuffer stored, String store) {
    long index = indexOf(key, stored, store);
    int length = stored.remaining();
    byte[] value = new byte[length - INDEX_BYTES];
    stored.get(stored.position() + INDEX_BYTES, value);
    return KVPair.ofOwned(key, value, index);
  }

  /**
   * The canonical key a stored key stands for, or empty when it cannot be one (Go libkv stores keys
   * verbatim, so {@code /a/b} and {@code a/b/} may be there; {@code a//b} cannot be read).
   */
  static Optional<String> canonical(byte[] storedKey) {
    return canonical(new String(storedKey, StandardCharsets.UTF_8));
  }

  /** {@link #canonical(byte[])} of a stored key already decoded. */
  static Optional<String> canonical(String s) {
    try {
      String k = Keys.canonicalInternalKey(s);
      return Keys.isReserved(k) ? Optional.empty() : Optional.of(k);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether stored key {@code k}, decoded as {@code decoded}, is the canonical spelling {@code
   * canonical} byte for byte (canonicalising strips slashes only; bytes that are not UTF-8 decode
   * to another key).
   */
  static boolean isSpelledCanonically(byte[] k, String decoded, String canonical) {
    if (canonical.length() != decoded.length()) {
      return false;
    }
    for (byte x : k) {
      if (x < 0) {
        return Arrays.equals(k, utf8(canonical));
      }
    }
    return true;
  }

  /** The other spellings of a canonical key that Go libkv may have stored. */
  static byte[][] spellings(String key) {
    return new byte[][] {utf8("/" + key), utf8(key + "/"), utf8("/" + key + "/")};
  }

  /** A TTL record: when the key goes, which write it applies to, its TTL, its kind and owner. */
  static final class TtlRecord {
    final long deadlineMillis;
    final long index;
    final long ttlMillis;
    final byte kind;
    final UUID owner;

    TtlRecord(long deadlineMillis, long index, long ttlMillis, byte kind, UUID owner) {
      this.deadlineMillis = deadlineMillis;
      this.index = index;
      this.ttlMillis = ttlMillis;
      this.kind = kind;
      this.owner = owner;
    }

    byte[] encode() {
      return ByteBuffer.allocate(41)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putLong(deadlineMillis)
          .putLong(index)
          .putLong(ttlMillis)
          .put(kind)
          .putLong(owner.getMostSignificantBits())
          .putLong(owner.getLeastSignificantBits())
          .array();
    }

    static TtlRecord decode(byte[] b) {
      if (b.length != 41) {
        throw new StoreCorruptedException("TTL record of " + b.length + " bytes, expected 41");
      }
      ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      return new TtlRecord(
          bb.getLong(), bb.getLong(), bb.getLong(), bb.get(), new UUID(bb.getLong(), bb.getLong()));
    }

    TtlRecord renewed(long now) {
      return new TtlRecord(now + ttlMillis, index, ttlMillis, kind, owner);
    }
  }

  /** A lock record: holder, fencing token and deadline. */
  static final class LockRecord {
    final UUID owner;
    final long token;
    final long deadlineMillis;
    final long ttlMillis;

    LockRecord(UUID owner, long token, long deadlineMillis, long ttlMillis) {
      this.owner = owner;
      this.token = token;
      this.deadlineMillis = deadlineMillis;
      this.ttlMillis = ttlMillis;
    }

    byte[] encode() {
      return ByteBuffer.allocate(40)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putLong(owner.getMostSignificantBits())
          .putLong(owner.getLeastSignificantBits())
          .putLong(token)
          .putLong(deadlineMillis)
          .putLong(ttlMillis)
          .array();
    }

    static LockRecord decode(byte[] b) {
      if (b.length != 40) {
        throw new StoreCorruptedException("lock record of " + b.length + " bytes, expected 40");
      }
      ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      return new LockRecord(
          new UUID(bb.getLong(), bb.getLong()), bb.getLong(), bb.getLong(), bb.getLong());
    }
  }
}
