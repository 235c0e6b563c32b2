package io.libkv.zookeeper.internal;

import io.libkv.CannotLockException;
import io.libkv.KVException;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import io.libkv.spi.OpenCheck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.CreateOptions;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * A ZooKeeper lock: a queue of protected (GUID-named) ephemeral sequential nodes under {@code
 * _libkv/locks/<key>}; the head creates the user key as an ephemeral node holding the lock's value,
 * in one multi-op that checks its queue node still exists. Waiters watch the node just ahead of
 * theirs; the head, while the key holds a value the lock did not write, watches the key. Unlock
 * deletes the key only while it is the node the lock created, unchanged. The fencing token is the
 * holder's queue node's czxid, so it grows with the queue order.
 */
final class ZooKeeperLock extends AbstractLock {
  private static final String PREFIX = "_c_";
  private static final String SUFFIX = "-lock-";

  private final Session session;
  private final Nodes nodes;
  private final HeldLocks held;
  private final OpenCheck open;
  private final byte[] value;
  private final String queueDir;
  private final String keyPath;
  // the pending acquisition's queue node, kept between attempts
  private @Nullable String ourNode;
  private long ourToken;
  private long ourSession;
  private @Nullable String pendingGuid;

  /**
   * A lock on {@code key} run in {@code session}, whose held leases {@code held} tracks; {@code
   * open} tells whether the store is closed (a lost lock's clean-up then has nothing to do).
   */
  ZooKeeperLock(
      Session session,
      Paths paths,
      Nodes nodes,
      HeldLocks held,
      OpenCheck open,
      String key,
      byte[] value) {
    super(key, session.time());
    this.session = session;
    this.nodes = nodes;
    this.held = held;
    this.open = open;
    this.value = value;
    this.queueDir = paths.lockQueue(key);
    this.keyPath = paths.path(key);
  }

  @Override
  protected Attempt attempt() {
    if (ourNode != null && ourSession != session.sessionId()) {
      ourNode = null; // the session that owned it is gone, and the node with it
    }
    if (ourNode == null) {
      enqueue();
    }
    // enqueue() set it, or threw
    String node = Objects.requireNonNull(ourNode);
    return session.write(
        key(),
        zk -> {
          List<String> children;
          try {
            children = new ArrayList<>(zk.getChildren(queueDir, false));
          } catch (KeeperException.NoNodeException e) {
            ourNode = null;
            return Attempt.waitFor(CompletableFuture.completedFuture(null));
          }
          children.removeIf(c -> !c.startsWith(PREFIX) || c.lastIndexOf(SUFFIX) < 0);
          children.sort(Comparator.comparing(ZooKeeperLock::sequence));
          String ours = node.substring(node.lastIndexOf('/') + 1);
          int at = children.indexOf(ours);
          if (at < 0) {
            ourNode = null; // removed (our session was replaced): queue again
            return Attempt.waitFor(CompletableFuture.completedFuture(null));
          }
          if (at == 0) {
            return acquire(zk);
          }
          CompletableFuture<Void> ahead = new CompletableFuture<>();
          if (zk.exists(queueDir + "/" + children.get(at - 1), completing(ahead)) == null) {
            ahead.complete(null);
          }
          return Attempt.waitFor(ahead);
        });
  }

  /** A watcher completing {@code f} when its node changes or the session ends. */
  private static Watcher completing(CompletableFuture<Void> f) {
    return e -> {
      if (e.getType() != Watcher.Event.EventType.None
          || e.getState() == Watcher.Event.KeeperState.Expired
          || e.getState() == Watcher.Event.KeeperState.Closed) {
        f.complete(null);
      }
    };
  }

  private static String sequence(String name) {
    return name.substring(name.lastIndexOf(SUFFIX) + SUFFIX.length());
  }

  /** Creates our queue node; after a connection loss, finds it by its GUID instead of guessing. */
  private void enqueue() {
    String guid = UUID.randomUUID().toString();
    String prefix = queueDir + "/" + PREFIX + guid + SUFFIX;
    // until the create is known to have failed, abandon() looks for a node of this GUID: an
    // interrupted create may still have been applied by the server
    pendingGuid = guid;
    for (int tries = 0; ; tries++) {
      try {
        session.writeVoid(
            key(),
            zk -> {
              while (true) {
                try {
                  Stat s = new Stat();
                  ourNode =
                      zk.create(
                          prefix, new byte[0], nodes.acl(), CreateMode.EPHEMERAL_SEQUENTIAL, s);
                  ourToken = s.getCzxid();
                  ourSession = zk.getSessionId();
                  pendingGuid = null;
                  return;
                } catch (KeeperException.NoNodeException e) {
                  // the queue's directories are containers: the server removes them once empty
                  nodes.ensureNode(zk, queueDir, CreateMode.CONTAINER);
                }
              }
            });
        return;
      } catch (io.libkv.UnknownOutcomeException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw e; // the caller stops: abandon() finds the node by its GUID
        }
        if (tries > 2 || !findOurs(guid)) {
          if (tries > 2) {
            throw e;
          }
          continue;
        }
        return;
      }
    }
  }

  private boolean findOurs(String guid) {
    return session.read(
        key(),
        zk -> {
          List<String> children;
          try {
            children = zk.getChildren(queueDir, false);
          } catch (KeeperException.NoNodeException e) {
            return false;
          }
          for (String c : children) {
            if (c.startsWith(PREFIX + guid)) {
              Stat s = zk.exists(queueDir + "/" + c, false);
              if (s != null && s.getEphemeralOwner() == zk.getSessionId()) {
                ourNode = queueDir + "/" + c;
                ourToken = s.getCzxid();
                ourSession = zk.getSessionId();
                pendingGuid = null;
                return true;
              }
            }
          }
          return false;
        });
  }

  /**
   * At the head: create the user key, ephemeral, in one multi-op checking our queue node is still
   * there; while the key holds a value the lock did not write, wait for it to change or go.
   */
  private Attempt acquire(ZooKeeper zk) throws KeeperException, InterruptedException {
    while (true) {
      List<Op> ops = new ArrayList<>(3);
      ops.add(Op.check(ourNode, -1));
      CompletableFuture<Void> changed = new CompletableFuture<>();
      if (zk.exists(keyPath, completing(changed)) != null) {
        Stat existing = new Stat();
        byte[] data;
        try {
          data = zk.getData(keyPath, false, existing);
        } catch (KeeperException.NoNodeException e) {
          continue;
        }
        if (data != null) {
          // a value another writer put (a dead holder's key goes with its session): held until
          // deleted
          return Attempt.waitFor(changed);
        }
        if (existing.getNumChildren() > 0) {
          throw new CannotLockException(
              "the lock's key has keys below it: ZooKeeper cannot make it the ephemeral node "
                  + "a lock holds",
              key(),
              session.description(),
              null);
        }
        // an implicit parent left empty, not a key: the lock's node replaces it
        ops.add(Op.delete(keyPath, existing.getVersion()));
      }
      ops.add(
          Op.create(
              keyPath, value, CreateOptions.newBuilder(nodes.acl(), CreateMode.EPHEMERAL).build()));
      try {
        List<OpResult> r = zk.multi(ops);
        Stat keyStat = ((OpResult.CreateResult) r.get(r.size() - 1)).getStat();
        // our queue node, which the multi just checked
        Held h =
            new Held(
                key(),
                ourToken,
                Objects.requireNonNull(ourNode),
                keyStat.getCzxid(),
                keyStat.getVersion(),
                ourSession);
        held.add(h);
        ourNode = null;
        return Attempt.acquired(h);
      } catch (KeeperException.NoNodeException e) {
        List<OpResult> results = e.getResults();
        boolean queueGone =
            results != null
                && !results.isEmpty()
                && results.get(0) instanceof OpResult.ErrorResult
                && ((OpResult.ErrorResult) results.get(0)).getErr() != 0;
        if (queueGone) {
          ourNode = null;
          return Attempt.waitFor(CompletableFuture.completedFuture(null));
        }
        nodes.ensureParents(zk, keyPath);
      } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException e) {
        // the key changed meanwhile: look again
      } catch (KeeperException.NoChildrenForEphemeralsException e) {
        throw new CannotLockException(
            "a parent of the lock's key is an ephemeral key", key(), session.description(), e);
      }
    }
  }

  @Override
  protected void abandon() {
    String guid = pendingGuid;
    if (ourNode == null && guid != null) {
      try {
        findOurs(guid);
      } catch (KVException | IllegalStateException e) {
        // ephemeral: it goes with the session anyway
      }
    }
    pendingGuid = null;
    String node = ourNode;
    ourNode = null;
    if (node == null) {
      return;
    }
    try {
      session.writeVoid(
          key(),
          zk -> {
            try {
              zk.delete(node, -1);
            } catch (KeeperException.NoNodeException e) {
              // already gone
            }
          });
    } catch (KVException | IllegalStateException e) {
      // ephemeral: it goes with the session anyway
    }
  }

  @Override
  public String toString() {
    return "ZooKeeperLock{" + new String(value, StandardCharsets.UTF_8) + " on " + key() + "}";
  }

  /** A held ZooKeeper lock. */
  final class Held extends AbstractLockLease {
    private final String queueNode;
    private final long keyCzxid;
    private final int keyVersion;
    private final long sessionId;
    volatile boolean lostWhileSessionMayLive;

    Held(String key, long token, String queueNode, long keyCzxid, int keyVersion, long sessionId) {
      super(key, token, session.description(), session.sessionDeadline(sessionId));
      this.queueNode = queueNode;
      this.keyCzxid = keyCzxid;
      this.keyVersion = keyVersion;
      this.sessionId = sessionId;
    }

    @Override
    protected void release() {
      held.remove(this);
      if (session.sessionId() != sessionId) {
        return; // the session ended, and our nodes with it
      }
      session.writeVoid(
          key(),
          zk -> {
            List<Op> ops = new ArrayList<>(2);
            // the key only while it is the node the lock created (a put replaces the node, a new
            // czxid)
            // and unchanged since (its version); the delete carries that version
            Stat s = zk.exists(keyPath, false);
            if (s != null && s.getCzxid() == keyCzxid && s.getVersion() == keyVersion) {
              ops.add(Op.delete(keyPath, keyVersion));
            }
            ops.add(Op.delete(queueNode, -1));
            try {
              zk.multi(ops);
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
              // the key was deleted or rewritten by someone else meanwhile: leave it, free the
              // queue
              try {
                zk.delete(queueNode, -1);
              } catch (KeeperException.NoNodeException gone) {
                // already gone
              }
            }
          });
    }

    @Override
    protected void releaseAfterLoss() {
      cleanUp();
    }

    /** Removes what a lost lock may have left while its session lived on; best effort. */
    void cleanUp() {
      held.remove(this);
      if (open.isClosed() || session.sessionId() != sessionId) {
        return;
      }
      try {
        release();
      } catch (KVException | IllegalStateException e) {
        // the session will take them when it ends
      }
    }
  }
}
