package io.libkv.bolt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The canonical dump of a database's content and its digest, as defined by the format notes
 * (docs/bbolt-format.md, "Canonical dump"): {@code B <path> <sequence>} per bucket, {@code K <path>
 * <key-hex> <length> <sha256>} per value, depth-first in key order; digest = SHA-256 of those
 * lines.
 */
public final class BoltDump {
  private static final HexFormat HEX = HexFormat.of();

  private final String text;
  private final String digest;
  private final long buckets;
  private final long keys;
  private final long valueBytes;

  private BoltDump(String text, String digest, long buckets, long keys, long valueBytes) {
    this.text = text;
    this.digest = digest;
    this.buckets = buckets;
    this.keys = keys;
    this.valueBytes = valueBytes;
  }

  /**
   * @param tx the snapshot to dump
   * @return its canonical dump
   */
  public static BoltDump of(Tx tx) {
    Walker w = new Walker();
    Cursor c = tx.cursor();
    for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
      byte[] name = e.get().key();
      Bucket b = tx.bucket(name).orElseThrow(() -> missing(name));
      w.bucket(HEX.formatHex(name), b);
    }
    String digest = "sha256:" + HEX.formatHex(w.sha.digest());
    String text =
        "# bbolt-dump v1\n"
            + w.out
            + "# buckets="
            + w.buckets
            + " keys="
            + w.keys
            + " valuebytes="
            + w.valueBytes
            + "\ndigest "
            + digest
            + "\n";
    return new BoltDump(text, digest, w.buckets, w.keys, w.valueBytes);
  }

  private static BoltCorruptionException missing(byte[] name) {
    return new BoltCorruptionException(
        "bucket "
            + HEX.formatHex(name)
            + " is listed by the cursor but not found by lookup (keys out of order?)");
  }

  /**
   * @return the whole dump file text (header, lines, counts, digest)
   */
  public String text() {
    return text;
  }

  /**
   * @return {@code sha256:<hex>} of the B/K lines
   */
  public String digest() {
    return digest;
  }

  /**
   * @return buckets at all levels
   */
  public long buckets() {
    return buckets;
  }

  /**
   * @return plain keys at all levels
   */
  public long keys() {
    return keys;
  }

  /**
   * @return total bytes of plain values
   */
  public long valueBytes() {
    return valueBytes;
  }

  /**
   * Writes the dump text.
   *
   * @param out where to write
   */
  public void writeTo(Appendable out) {
    try {
      out.append(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "BoltDump[" + digest + ", buckets=" + buckets + ", keys=" + keys + "]";
  }

  private static final class Walker {
    final StringBuilder out = new StringBuilder();
    final MessageDigest sha = sha256();
    long buckets;
    long keys;
    long valueBytes;

    void line(String s) {
      out.append(s).append('\n');
      sha.update((s + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    void bucket(String path, Bucket b) {
      buckets++;
      line("B " + path + " " + Long.toUnsignedString(b.sequence()));
      Cursor c = b.cursor();
      for (Optional<Entry> e = c.first(); e.isPresent(); e = c.next()) {
        byte[] k = e.get().key();
        if (e.get().isBucket()) {
          bucket(path + "/" + HEX.formatHex(k), b.bucket(k).orElseThrow(() -> missing(k)));
        } else {
          byte[] v = e.get().value();
          keys++;
          valueBytes += v.length;
          line(
              "K "
                  + path
                  + " "
                  + HEX.formatHex(k)
                  + " "
                  + v.length
                  + " "
                  + HEX.formatHex(sha256().digest(v)));
        }
      }
    }

    static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
