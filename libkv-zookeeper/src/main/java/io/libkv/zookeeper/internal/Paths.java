package io.libkv.zookeeper.internal;

import io.libkv.InvalidKeyException;
import io.libkv.Keys;
import org.jspecify.annotations.Nullable;

/**
 * Where keys live: key {@code a/b} is node {@code /a/b} below the chroot. Without a chroot,
 * ZooKeeper's own {@code /zookeeper} tree shares the namespace and is kept out of reach.
 */
final class Paths {
  /** The parent of every lock's queue directory. */
  static final String LOCKS = "_libkv/locks";

  private final String description;

  /** The chroot as a path prefix: "" or "/app". */
  private final String root;

  private final boolean chrooted;

  Paths(String description, String prefix) {
    this.description = description;
    this.root = prefix.isEmpty() ? "" : "/" + prefix;
    this.chrooted = !prefix.isEmpty();
  }

  /** The chroot as a path prefix: "" or "/app". */
  String root() {
    return root;
  }

  boolean chrooted() {
    return chrooted;
  }

  /** The node of a canonical key (or of "" = the chroot itself: "/" without a chroot). */
  String path(String key) {
    if (key.isEmpty()) {
      return root.isEmpty() ? "/" : root;
    }
    return root + "/" + key;
  }

  /** The canonical key of a node below the chroot, or null for the chroot itself or outside it. */
  @Nullable String keyOf(String path) {
    if (root.isEmpty()) {
      return path.length() > 1 ? path.substring(1) : null;
    }
    if (path.startsWith(root + "/")) {
      return path.substring(root.length() + 1);
    }
    return null;
  }

  /**
   * Whether a key or directory is not the user's: ZooKeeper's own {@code /zookeeper} or libkv's.
   */
  boolean hidden(String key) {
    return Keys.isReserved(key)
        || (!chrooted && (key.equals("zookeeper") || key.startsWith("zookeeper/")));
  }

  String checkUserKey(String key) {
    if (!chrooted && (key.equals("zookeeper") || key.startsWith("zookeeper/"))) {
      throw new InvalidKeyException(
          "/zookeeper is ZooKeeper's own tree: without a chroot, keys under \"zookeeper\" "
              + "are reserved",
          key,
          description,
          null);
    }
    return key;
  }

  /**
   * The directory of a lock's queue: one flat directory per key ('/' escaped), so no queue nests in
   * another.
   */
  String lockQueue(String key) {
    return path(LOCKS) + "/" + key.replace("%", "%25").replace("/", "%2F");
  }

  static String parentOf(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }
}
