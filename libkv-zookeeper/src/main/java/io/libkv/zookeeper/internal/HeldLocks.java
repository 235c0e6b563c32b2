package io.libkv.zookeeper.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The locks this store's session holds: the connection's states decide their fate, since a lock
 * lives exactly as long as the session is known to the server.
 */
final class HeldLocks {
  private final Set<ZooKeeperLock.Held> held = ConcurrentHashMap.newKeySet();
  private final Executor cleanUps;

  /** {@code cleanUps}: where the nodes of locks lost while their session lived on are removed. */
  HeldLocks(Executor cleanUps) {
    this.cleanUps = cleanUps;
  }

  void add(ZooKeeperLock.Held h) {
    held.add(h);
  }

  void remove(ZooKeeperLock.Held h) {
    held.remove(h);
  }

  /**
   * The connection is down: every lock is lost. {@code sessionMayLive}: it is only suspended, so
   * another client may be granted the locks before this one knows, though their nodes may remain.
   */
  void markLost(boolean sessionMayLive) {
    for (ZooKeeperLock.Held h : held) {
      if (h.markLost()) {
        h.lostWhileSessionMayLive = sessionMayLive;
      }
    }
  }

  /**
   * Connected again: locks declared lost while the session lived on still hold their nodes; free
   * them for others.
   */
  void sessionResumed(boolean newSession) {
    for (ZooKeeperLock.Held h : held) {
      if (!h.isHeld()) {
        held.remove(h);
        if (!newSession) {
          cleanUps.execute(h::cleanUp);
        }
      }
    }
  }

  /** The store closes: every lock ends with its session. */
  void closeAll() {
    for (ZooKeeperLock.Held h : held) {
      h.markLost();
    }
    held.clear();
  }
}
