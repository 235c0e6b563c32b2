package io.libkv.cli;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Store;
import java.util.ArrayList;
import java.util.List;

/** Listing for {@code ls} and {@code export}: sorted by UTF-8 bytes; the root always exists. */
final class Listing {
  private Listing() {}

  /**
   * What {@link #list} finds in a store whose file does not exist: the root, empty.
   *
   * @throws KeyNotFoundException naming {@code dir} and the store if it is not the root
   */
  static List<KVPair> ofMissingStore(String dir, KVException missing) {
    String canonical = Keys.canonicalDirectory(dir);
    if (canonical.isEmpty()) {
      return List.of();
    }
    throw new KeyNotFoundException(
        "nothing below the directory: the store's file does not exist",
        canonical,
        missing.store().orElse(null),
        null);
  }

  /**
   * Every pair below {@code dir}, sorted by key.
   *
   * @throws KeyNotFoundException if a directory other than the root has nothing below it
   */
  static List<KVPair> list(Store store, String dir) {
    String canonical = Keys.canonicalDirectory(dir);
    List<KVPair> pairs;
    try {
      pairs = new ArrayList<>(store.list(canonical));
    } catch (KeyNotFoundException e) {
      if (canonical.isEmpty()) {
        return List.of(); // an empty store: the root is there, with nothing in it
      }
      throw e;
    }
    pairs.sort((a, b) -> Keys.UTF8_ORDER.compare(a.key(), b.key()));
    return pairs;
  }
}
