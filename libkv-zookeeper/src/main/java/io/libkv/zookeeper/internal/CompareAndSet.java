package io.libkv.zookeeper.internal;

import io.libkv.KVPair;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.WriteOptions;
import java.util.List;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * Compare-and-set and compare-and-delete: a key's index is its node's mzxid, checked against the
 * node as the member the session is connected to has it, brought up to date first where its view
 * could be older than the pair compared against.
 */
final class CompareAndSet {
  private final Session session;
  private final Paths paths;
  private final Nodes nodes;

  CompareAndSet(Session session, Paths paths, Nodes nodes) {
    this.session = session;
    this.paths = paths;
    this.nodes = nodes;
  }

  KVPair atomicPut(String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    String path = paths.path(key);
    return session.write(
        key,
        zk -> {
          if (previous == null) {
            while (true) {
              try {
                return KVPair.of(
                    key, value, nodes.createWithParents(zk, key, path, value, options).getMzxid());
              } catch (KeeperException.NodeExistsException e) {
                // an implicit parent is not a key: create-only may take it over
              }
              Stat s = new Stat();
              byte[] data;
              try {
                data = zk.getData(path, false, s);
              } catch (KeeperException.NoNodeException e) {
                continue;
              }
              if (data != null) {
                throw new KeyExistsException(
                    "key exists (create-only write)", key, session.description(), null);
              }
              if (options.isEphemeral() || options.isExpiring()) {
                throw nodes.ephemeralWithChildren(key, null);
              }
              try {
                return KVPair.of(key, value, zk.setData(path, value, s.getVersion()).getMzxid());
              } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                // changed meanwhile
              }
            }
          }
          Stat s = new Stat();
          byte[] data = readForCompare(zk, path, s, previous);
          if (data == null) {
            throw new KeyNotFoundException(
                "key not found (compare-and-set)", key, session.description(), null);
          }
          if (s.getMzxid() != previous.lastIndex()) {
            throw modified(key, s.getMzxid(), previous);
          }
          Stat done;
          if (nodes.updatableInPlace(s, options)) {
            try {
              done = zk.setData(path, value, s.getVersion());
            } catch (KeeperException.BadVersionException e) {
              throw modified(key, -1, previous);
            } catch (KeeperException.NoNodeException e) {
              throw new KeyNotFoundException(
                  "key not found (compare-and-set)", key, session.description(), e);
            }
          } else {
            if (s.getNumChildren() > 0) {
              throw nodes.ephemeralWithChildren(key, null);
            }
            done = nodes.replace(zk, key, path, s.getVersion(), value, options);
            if (done == null) {
              throw modified(key, -1, previous);
            }
          }
          return KVPair.of(key, value, done.getMzxid());
        });
  }

  /**
   * Reads a node for a compare against {@code previous}: its data (null when it is missing or an
   * implicit parent), its stat into {@code s}. The member may not yet have applied the write {@code
   * previous} came from, acknowledged to another client by another member: the node then looks
   * older than the pair (an mzxid below its index) or missing (and its nearest ancestor shows no
   * change since the pair either). Such a view proves nothing. A follower catches up through {@code
   * sync}; the leader answers a sync at once, so if the view is still older the member is made to
   * apply every earlier commit ({@link #applyEarlierCommits}), the pair's among them, and the view
   * read after that is decisive.
   */
  private byte @Nullable [] readForCompare(ZooKeeper zk, String path, Stat s, KVPair previous)
      throws KeeperException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      byte[] data;
      long applied;
      try {
        data = zk.getData(path, false, s);
        applied = s.getMzxid();
      } catch (KeeperException.NoNodeException e) {
        data = null;
        applied = Nodes.ancestorIndex(zk, path);
      }
      if (applied >= previous.lastIndex() || attempt == 2) {
        return data;
      }
      if (attempt == 0) {
        zk.sync(path);
      } else {
        applyEarlierCommits(zk);
      }
    }
  }

  /**
   * Returns once the member {@code zk} is connected to has applied every commit made before the
   * call: a transaction that changes nothing (a multi holding one existence check of the root) is
   * answered only after the member has applied all earlier ones. Unlike {@code sync}, this holds on
   * the leader too, which sends a commit to the followers before it applies it itself.
   */
  static void applyEarlierCommits(ZooKeeper zk) throws KeeperException, InterruptedException {
    zk.multi(List.of(Op.check("/", -1)));
  }

  private KeyModifiedException modified(String key, long now, KVPair previous) {
    return new KeyModifiedException(
        "key was modified: index is "
            + (now < 0 ? "newer" : Long.toString(now))
            + ", expected "
            + previous.lastIndex(),
        key,
        session.description(),
        null);
  }

  void atomicDelete(String key, KVPair previous) {
    String path = paths.path(key);
    session.writeVoid(
        key,
        zk -> {
          Stat s = new Stat();
          byte[] data = readForCompare(zk, path, s, previous);
          if (data == null) {
            throw new KeyNotFoundException(
                "key not found (compare-and-delete)", key, session.description(), null);
          }
          if (s.getMzxid() != previous.lastIndex()) {
            throw modified(key, s.getMzxid(), previous);
          }
          try {
            if (s.getNumChildren() > 0) {
              zk.setData(path, null, s.getVersion());
            } else {
              zk.delete(path, s.getVersion());
            }
          } catch (KeeperException.BadVersionException | KeeperException.NotEmptyException e) {
            throw modified(key, -1, previous);
          } catch (KeeperException.NoNodeException e) {
            throw new KeyNotFoundException(
                "key not found (compare-and-delete)", key, session.description(), e);
          }
        });
  }
}
