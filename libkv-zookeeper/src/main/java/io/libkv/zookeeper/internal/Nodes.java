package io.libkv.zookeeper.internal;

import io.libkv.Durations;
import io.libkv.InvalidKeyException;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.WriteOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.CreateOptions;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * Keys as nodes, and the kinds of node: a key is a node with data, an implicit parent a node with
 * null data (ZooKeeper keeps null apart from an empty value), an ephemeral key an ephemeral node of
 * the store's session, an expiring key a TTL node where the server enables them. Puts, gets and
 * deletes; {@link CompareAndSet} makes the conditional writes from the same pieces.
 */
final class Nodes {
  private static final System.Logger LOG = System.getLogger("io.libkv.zookeeper");
  private static final String TTL_PROBE = "_libkv/ttl-probe";

  private final Session session;
  private final Paths paths;
  private final List<ACL> acl;
  private final KnownKeys known = new KnownKeys();

  /** {@code auth}: the session authenticates, so its nodes are its own (creator-all ACL). */
  Nodes(Session session, Paths paths, boolean auth) {
    this.session = session;
    this.paths = paths;
    this.acl = auth ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
  }

  /** The ACL of every node the store creates. */
  List<ACL> acl() {
    return acl;
  }

  /** Whether the server creates TTL nodes ({@code zookeeper.extendedTypesEnabled=true}). */
  boolean probeTtlNodes() {
    String probe = paths.path(TTL_PROBE);
    try {
      return session.write(
          null,
          zk -> {
            try {
              ensureParents(zk, probe);
              // a TTL of 1 ms: the server's next sweep removes it; a later open recreates it
              zk.create(probe, new byte[0], acl, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 1);
              return true;
            } catch (KeeperException.NodeExistsException e) {
              return true;
            } catch (KeeperException.UnimplementedException
                | KeeperException.BadArgumentsException e) {
              return false;
            }
          });
    } catch (KVException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "TTL-node probe failed on " + session.description() + ": " + e.getMessage());
      return false;
    }
  }

  /** Creates the node with null data (an implicit parent) if absent, and its parents. */
  void ensureNode(ZooKeeper zk, String path, @Nullable CreateMode mode)
      throws KeeperException, InterruptedException {
    if (path.equals("/")) {
      return;
    }
    while (true) {
      try {
        zk.create(path, null, acl, mode == null ? CreateMode.PERSISTENT : mode);
        return;
      } catch (KeeperException.NodeExistsException e) {
        return;
      } catch (KeeperException.NoNodeException e) {
        ensureNode(zk, Paths.parentOf(path), mode);
      }
    }
  }

  /** Creates the parents of {@code path} (implicit parents, null data). */
  void ensureParents(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    ensureNode(zk, Paths.parentOf(path), null);
  }

  private static long ttlMillis(WriteOptions o) {
    return Math.max(1, o.ttl().orElseThrow().toMillis());
  }

  private static CreateMode modeFor(WriteOptions o) {
    if (o.isEphemeral()) {
      return CreateMode.EPHEMERAL;
    }
    return o.isExpiring() ? CreateMode.PERSISTENT_WITH_TTL : CreateMode.PERSISTENT;
  }

  /** The create of a key's node of the kind {@code o} asks for (TTL node: the mark comes after). */
  Op createOp(String path, byte[] value, WriteOptions o) {
    CreateOptions.Builder b = CreateOptions.newBuilder(acl, modeFor(o));
    if (o.isExpiring()) {
      b.withTtl(ttlMillis(o));
    }
    return Op.create(path, value, b.build());
  }

  private Stat create(ZooKeeper zk, String path, byte[] value, WriteOptions o)
      throws KeeperException, InterruptedException {
    Stat stat = new Stat();
    if (o.isExpiring()) {
      zk.create(path, value, acl, CreateMode.PERSISTENT_WITH_TTL, stat, ttlMillis(o));
      markExpiring(zk, path);
    } else {
      zk.create(path, value, acl, modeFor(o), stat);
    }
    return stat;
  }

  /**
   * Marks a TTL node so that later writes can tell it from a plain one: ZooKeeper shows clients a
   * TTL node's stat with an ephemeral owner of 0, like a plain node's. Setting its (unchanged) ACL
   * bumps the stat's ACL version, which libkv's plain nodes keep at 0.
   */
  void markExpiring(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    try {
      zk.setACL(path, acl, 0);
    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
      // already gone or changed: nothing to mark
    }
  }

  /** Whether a node is not a plain key: an ephemeral node, or a TTL node libkv marked. */
  static boolean notPlain(Stat s) {
    return s.getEphemeralOwner() != 0 || s.getAversion() > 0;
  }

  /** Creates a key's node, making its implicit parents first if they are missing. */
  Stat createWithParents(ZooKeeper zk, String key, String path, byte[] value, WriteOptions o)
      throws KeeperException, InterruptedException {
    while (true) {
      try {
        // one round trip when the parents exist: the common case
        return create(zk, path, value, o);
      } catch (KeeperException.NoNodeException e) {
        ensureParents(zk, path);
      } catch (KeeperException.NoChildrenForEphemeralsException e) {
        throw ephemeralParent(key, e);
      }
    }
  }

  InvalidKeyException ephemeralParent(@Nullable String key, Exception cause) {
    return new InvalidKeyException(
        "a parent of this key is an ephemeral key, and ZooKeeper's ephemeral nodes cannot "
            + "have children",
        key,
        session.description(),
        cause);
  }

  KVException ephemeralWithChildren(String key, @Nullable Exception cause) {
    return new InvalidKeyException(
        "this key has keys below it, so it cannot become an ephemeral or expiring key: "
            + "ZooKeeper keeps the kind of a node for its life and ephemeral nodes cannot have children",
        key,
        session.description(),
        cause);
  }

  /**
   * Replaces an existing node of another kind (plain, ephemeral, TTL) by one of the wanted kind,
   * atomically: delete at its version and create, in one multi-op.
   *
   * @return the new node's stat, or null if the node changed meanwhile (retry)
   */
  @Nullable Stat replace(
      ZooKeeper zk, String key, String path, int version, byte[] value, WriteOptions o)
      throws KeeperException, InterruptedException {
    try {
      List<OpResult> r = zk.multi(List.of(Op.delete(path, version), createOp(path, value, o)));
      if (o.isExpiring()) {
        markExpiring(zk, path);
      }
      return ((OpResult.CreateResult) r.get(1)).getStat();
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      return null;
    } catch (KeeperException.NotEmptyException e) {
      throw ephemeralWithChildren(key, e);
    }
  }

  /**
   * Whether a write may update the node in place (setData at its version, which keeps versions
   * growing for compare-and-set) rather than replace it (delete + create in one multi-op, needed to
   * change a node's kind: plain, ephemeral, TTL).
   */
  boolean updatableInPlace(Stat s, WriteOptions o) {
    if (o.isEphemeral()) {
      return s.getEphemeralOwner() == session.sessionId();
    }
    if (o.isExpiring()) {
      return false; // the TTL asked for may differ from the node's, which clients cannot read
    }
    // a node with children cannot be replaced; it is no ephemeral (those have none) and a TTL
    // node is never swept while it has children
    return !notPlain(s) || s.getNumChildren() > 0;
  }

  // ---- puts, gets, deletes

  void put(String key, byte[] value, WriteOptions options) {
    String path = paths.path(key);
    boolean plain = !options.isEphemeral() && !options.isExpiring();
    session.writeVoid(
        key,
        zk -> {
          // over a key this store saw exist, setData first: one round trip instead of two
          boolean createFirst = !plain || !known.contains(key);
          while (true) {
            if (createFirst) {
              try {
                createWithParents(zk, key, path, value, options);
                return;
              } catch (KeeperException.NodeExistsException e) {
                // an existing key, or an implicit parent becoming a key
              }
            }
            createFirst = true;
            if (plain) {
              // set in place (versions keep growing, so compare-and-set stays sound); an ephemeral
              // or expiring node found so is then replaced by a plain one
              Stat st;
              try {
                st = zk.setData(path, value, -1);
              } catch (KeeperException.NoNodeException e) {
                continue;
              }
              if (!notPlain(st) || st.getNumChildren() > 0) {
                return;
              }
              try {
                zk.multi(List.of(Op.delete(path, st.getVersion()), createOp(path, value, options)));
                return;
              } catch (KeeperException.NoNodeException
                  | KeeperException.BadVersionException
                  | KeeperException.NotEmptyException e) {
                continue;
              }
            }
            Stat s = new Stat();
            byte[] current;
            try {
              current = zk.getData(path, false, s);
            } catch (KeeperException.NoNodeException e) {
              continue;
            }
            if (current != null && updatableInPlace(s, options)) {
              try {
                zk.setData(path, value, s.getVersion());
                return;
              } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                continue;
              }
            }
            if (s.getNumChildren() > 0) {
              throw ephemeralWithChildren(key, null);
            }
            if (replace(zk, key, path, s.getVersion(), value, options) != null) {
              return;
            }
          }
        });
    known.add(key);
  }

  /** Remembers which keys a committed transaction left existing, for later puts' first try. */
  void wrote(io.libkv.Transaction t) {
    for (io.libkv.Transaction.Operation o : t.operations()) {
      if (o instanceof io.libkv.Transaction.Put) {
        known.add(o.key());
      } else {
        known.forget(o.key());
      }
    }
  }

  void putAll(Map<String, byte[]> entries) {
    long bytes = 0;
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      bytes += e.getValue().length + Keys.utf8Length(e.getKey()) + paths.root().length() + 64;
    }
    if (entries.size() > 1000 || bytes > Session.DEFAULT_JUTE_MAXBUFFER / 2) {
      // over one request's packet limit: not atomic, documented
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        put(e.getKey(), e.getValue(), WriteOptions.DEFAULT);
      }
      return;
    }
    session.writeVoid(
        null,
        zk -> {
          for (int attempt = 0; ; attempt++) {
            // read what exists (pipelined), then apply all in one multi-op; retry if anything moved
            List<String> keys = new ArrayList<>(entries.keySet());
            List<CompletableFuture<Stat>> stats = new ArrayList<>();
            for (String k : keys) {
              CompletableFuture<Stat> f = new CompletableFuture<>();
              zk.exists(
                  paths.path(k),
                  false,
                  (rc, p, ctx, stat) -> f.complete(rc == 0 ? stat : null),
                  null);
              stats.add(f);
            }
            List<Op> ops = new ArrayList<>();
            Set<String> parents = new TreeSet<>();
            for (int i = 0; i < keys.size(); i++) {
              String path = paths.path(keys.get(i));
              Stat s = await(stats.get(i), keys.get(i));
              byte[] v = Objects.requireNonNull(entries.get(keys.get(i))); // keys are entries' keys
              if (s == null) {
                ops.add(createOp(path, v, WriteOptions.DEFAULT));
                for (String p = Paths.parentOf(path);
                    !p.equals("/") && !p.equals(paths.root()) && parents.add(p);
                    p = Paths.parentOf(p)) {
                  // collected; checked below
                }
              } else if (!notPlain(s) || s.getNumChildren() > 0) {
                ops.add(Op.setData(path, v, s.getVersion()));
              } else {
                // an expiring (TTL) or ephemeral node becomes a plain one
                ops.add(Op.delete(path, s.getVersion()));
                ops.add(createOp(path, v, WriteOptions.DEFAULT));
              }
            }
            for (String p : parents) {
              if (zk.exists(p, false) == null) {
                ensureNode(zk, p, null);
              }
            }
            try {
              zk.multi(ops);
              return;
            } catch (KeeperException.NodeExistsException
                | KeeperException.NoNodeException
                | KeeperException.BadVersionException e) {
              if (attempt >= 10) {
                throw e;
              }
            } catch (KeeperException.NoChildrenForEphemeralsException e) {
              throw ephemeralParent(null, e);
            }
          }
        });
  }

  private <T> @Nullable T await(CompletableFuture<T> f, String key) throws InterruptedException {
    try {
      return f.get(session.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof KVException) {
        throw (KVException) c;
      }
      throw new KVException("ZooKeeper call failed [store " + session.description() + "]", c);
    } catch (TimeoutException e) {
      throw session
          .errors()
          .unavailable("no answer within " + Durations.format(session.opTimeout()), key, e);
    }
  }

  KVPair get(String key) {
    Optional<KVPair> p = session.read(key, zk -> Optional.ofNullable(readPair(zk, key)));
    if (p.isEmpty()) {
      known.forget(key);
      throw new KeyNotFoundException("key not found", key, session.description(), null);
    }
    known.add(key);
    return p.get();
  }

  /** The key's pair, or null when absent or an implicit parent. */
  @Nullable KVPair readPair(ZooKeeper zk, String key) throws KeeperException, InterruptedException {
    Stat s = new Stat();
    try {
      byte[] data = zk.getData(paths.path(key), false, s);
      return data == null ? null : KVPair.ofOwned(key, data, s.getMzxid());
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  boolean exists(String key) {
    // exists() cannot tell null data from an empty value: read it
    return session.read(key, zk -> Optional.ofNullable(readPair(zk, key))).isPresent();
  }

  void delete(String key) {
    String path = paths.path(key);
    known.forget(key);
    session.writeVoid(
        key,
        zk -> {
          while (true) {
            try {
              zk.delete(path, -1);
              return;
            } catch (KeeperException.NoNodeException e) {
              return;
            } catch (KeeperException.NotEmptyException e) {
              // keys lie below: the key becomes an implicit parent again
            }
            Stat s = new Stat();
            byte[] data;
            try {
              data = zk.getData(path, false, s);
            } catch (KeeperException.NoNodeException e) {
              return;
            }
            if (data == null) {
              return;
            }
            try {
              zk.setData(path, null, s.getVersion());
              return;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
              // changed meanwhile: look again
            }
          }
        });
  }

  /**
   * The pzxid of the nearest existing ancestor of {@code path}: at least the zxid of any change
   * below it.
   */
  static long ancestorIndex(ZooKeeper zk, String path)
      throws KeeperException, InterruptedException {
    for (String p = Paths.parentOf(path); ; p = Paths.parentOf(p)) {
      Stat s = zk.exists(p, false);
      if (s != null) {
        return Math.max(1, Math.max(s.getPzxid(), s.getMzxid()));
      }
      if (p.equals("/")) {
        return 1;
      }
    }
  }
}
