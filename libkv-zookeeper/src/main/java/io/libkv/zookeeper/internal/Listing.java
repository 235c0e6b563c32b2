package io.libkv.zookeeper.internal;

import io.libkv.KVPair;
import io.libkv.Keys;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** A listing: the pairs below a directory and the nodes seen. */
final class Listing {
  final TreeMap<String, KVPair> pairs = new TreeMap<>(Keys.UTF8_ORDER);

  /** Every node below the directory, implicit parents included, deepest last. */
  final List<String> nodes = new ArrayList<>();

  /** The nodes whose children were read: the directory and every node below it with children. */
  final List<String> parents = new ArrayList<>();

  boolean dirExists;
  boolean dirIsKey;

  /** The largest zxid seen in the first read: the index the listing is at least as new as. */
  long index;

  /** The largest mzxid or pzxid of any node read (the directory included). */
  long maxZxid;

  /**
   * Whether a change fell between the listing's reads, so that the nodes read may never have
   * existed together. Only {@code list} needs better; the walk goes on, to guide its next attempt.
   */
  boolean torn;
}
