package io.libkv.zookeeper.internal;

import io.libkv.Capabilities;
import io.libkv.KVPair;
import io.libkv.KeyModifiedException;
import io.libkv.Keys;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.WriteOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * {@code Store.commit} as one ZooKeeper multi-op. The compared and written keys are read first (all
 * reads in flight together); the conditions are decided on that read, and the multi-op then checks
 * that nothing they depend on moved: a present key by a {@code check} at the version read, an
 * absent one by creating and deleting its node (or its highest missing ancestor) in the same
 * multi-op, which fails if the node exists; an implicit parent by a {@code check} at its version
 * (its data stays null only while the version does). Writes carry the versions read too. When the
 * multi-op fails on one of these, something changed since the read: the keys are read again and
 * decided again, a bounded number of times.
 */
final class Transactions {
  /**
   * Conditions and operations per transaction: a bound chosen here, ZooKeeper has no count limit.
   */
  static final int MAX_STEPS = 64;

  /**
   * Request bytes a step can take beyond its key's and value's bytes, counted the user's way: the
   * node path's chroot and slash twice, and a second copy of the key (an absent key's create +
   * delete, a replacing put's delete + create), are added separately; this covers the per-op
   * headers, versions, flags, TTL and the ACL (at most 27 bytes), and the server's wrapping of each
   * op in its transaction log record.
   */
  static final int STEP_OVERHEAD = 160;

  /** Room kept free in a request for its headers and the leader's proposal wrapping. */
  static final int REQUEST_MARGIN = 4096;

  /** Reads and multi-ops before a transaction that keeps meeting changes gives up. */
  static final int MAX_ATTEMPTS = 8;

  private final Session session;
  private final Paths paths;
  private final Nodes nodes;
  private final Listings listings;

  /** For fault tests: runs once the keys are read, before the multi-op is sent. */
  volatile @Nullable Runnable beforeMulti;

  Transactions(Session session, Paths paths, Nodes nodes, Listings listings) {
    this.session = session;
    this.paths = paths;
    this.nodes = nodes;
    this.listings = listings;
  }

  /**
   * The limits of one transaction for a server accepting requests of {@code packetBytes}: {@link
   * #MAX_STEPS}, and the user's bytes that leave room for the costliest translation of every step.
   *
   * @param rootBytes the chroot's path prefix length in bytes ("/app": 4; 0 without a chroot)
   */
  static Capabilities.TransactionLimits limits(
      long packetBytes, int rootBytes, boolean expiringPuts) {
    long perStep = Keys.MAX_KEY_BYTES + 2L * (rootBytes + 1) + STEP_OVERHEAD;
    long maxBytes = packetBytes - REQUEST_MARGIN - MAX_STEPS * perStep;
    return new Capabilities.TransactionLimits(
        MAX_STEPS, MAX_STEPS, MAX_STEPS, maxBytes, true, expiringPuts);
  }

  /** A key's node as read: missing ({@code stat} null), an implicit parent (null data) or a key. */
  private record Node(byte @Nullable [] data, @Nullable Stat stat, boolean parentExists) {
    @Nullable KVPair pair(String key) {
      return data == null || stat == null ? null : KVPair.ofOwned(key, data, stat.getMzxid());
    }
  }

  /**
   * How a missing key is proved still absent: by creating and deleting {@code path} (the key's
   * highest missing ancestor), or, below an ephemeral node (which cannot have children), by a check
   * of that node at {@code ephemeralVersion}.
   */
  private record Proof(String path, int ephemeralVersion) {}

  /** The multi-op for one read, and which user step each op stands for. */
  private static final class Plan {
    final List<Op> ops = new ArrayList<>();
    final List<String> keyOfOp = new ArrayList<>();
    final List<Boolean> putCreate = new ArrayList<>();
    final Map<String, Integer> putOp = new LinkedHashMap<>();
    final List<String> expiring = new ArrayList<>();

    void add(Op op, String key, boolean isPutCreate) {
      ops.add(op);
      keyOfOp.add(key);
      putCreate.add(isPutCreate);
    }
  }

  /** A multi-op's answer: the results, or the first failing op and its code. */
  private record Answer(@Nullable List<OpResult> results, int failedAt, int code, long zxid) {}

  TransactionResult commit(Transaction t) {
    Set<String> keySet = new LinkedHashSet<>(t.comparedKeys());
    for (Transaction.Operation o : t.operations()) {
      keySet.add(o.key());
    }
    List<String> keys = new ArrayList<>(keySet);
    for (String k : keys) {
      paths.checkUserKey(k);
    }
    String first = t.operations().get(0).key();
    // key -> how it is proved absent, when not by creating and deleting its own node
    Map<String, Proof> proofs = new HashMap<>();
    for (int attempt = 1; ; attempt++) {
      Map<String, Node> read = session.read(first, zk -> readAll(zk, keys));
      Transaction.Condition failed = firstFailing(t, read);
      if (failed != null && !proven(failed, read)) {
        // the member may not have applied a write another client saw acknowledged: bring it up to
        // date and decide on what it then shows
        read =
            session.read(
                first,
                zk -> {
                  CompareAndSet.applyEarlierCommits(zk);
                  return readAll(zk, keys);
                });
        failed = firstFailing(t, read);
      }
      if (failed != null) {
        List<KVPair> current = new ArrayList<>();
        for (String k : t.comparedKeys()) {
          KVPair p = node(read, k).pair(k);
          if (p != null) {
            current.add(p);
          }
        }
        return TransactionResult.failed(failed, current);
      }
      List<String> parentless = new ArrayList<>();
      List<String> unproved = new ArrayList<>();
      for (String k : keys) {
        Node n = node(read, k);
        if (n.stat() == null && !n.parentExists()) {
          if (writesValue(t, k)) {
            parentless.add(paths.path(k));
          } else if (!proofs.containsKey(k)) {
            unproved.add(k);
          }
        }
      }
      if (!parentless.isEmpty() || !unproved.isEmpty()) {
        // implicit parents are no keys: made before the multi-op, like a put's; then an absent key
        // whose parent is missing is proved by its highest missing ancestor
        session.read(
            first,
            zk -> {
              for (String p : parentless) {
                nodes.ensureParents(zk, p);
              }
              for (String k : unproved) {
                proofs.put(k, new Proof(highestMissing(zk, paths.path(k)), -1));
              }
              return Boolean.TRUE;
            });
      }
      Plan plan = plan(t, read, proofs);
      Runnable hook = beforeMulti;
      if (hook != null) {
        hook.run();
      }
      Answer a = session.write(first, zk -> multi(zk, plan));
      List<OpResult> results = a.results();
      if (results != null) {
        nodes.wrote(t);
        return committed(plan, results, a.zxid());
      }
      String key = plan.keyOfOp.get(a.failedAt());
      Op op = plan.ops.get(a.failedAt());
      if (a.code() == KeeperException.Code.NOCHILDRENFOREPHEMERALS.intValue()) {
        if (plan.putCreate.get(a.failedAt())) {
          throw nodes.ephemeralParent(
              key,
              KeeperException.create(KeeperException.Code.NOCHILDRENFOREPHEMERALS, op.getPath()));
        }
        // an absent key below an ephemeral node: it cannot appear while that node stands
        String parent = Paths.parentOf(op.getPath());
        Stat ps =
            session
                .read(key, zk -> java.util.Optional.ofNullable(zk.exists(parent, false)))
                .orElse(null);
        if (ps != null && ps.getEphemeralOwner() != 0) {
          proofs.put(key, new Proof(parent, ps.getVersion()));
        } else {
          proofs.remove(key);
        }
      } else if (a.code() == KeeperException.Code.NONODE.intValue()
          && op instanceof Op.Create
          && !plan.putCreate.get(a.failedAt())) {
        proofs.put(key, new Proof(session.read(key, zk -> highestMissing(zk, op.getPath())), -1));
      } else if (a.code() == KeeperException.Code.NODEEXISTS.intValue()) {
        proofs.remove(key);
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new KeyModifiedException(
            "the transaction's keys kept changing between its read and its multi-op ("
                + attempt
                + " attempts); nothing was applied",
            key,
            session.description(),
            null);
      }
    }
  }

  private static Node node(Map<String, Node> read, String key) {
    return java.util.Objects.requireNonNull(
        read.get(key), key); // every key of the transaction is read
  }

  private static boolean writesValue(Transaction t, String key) {
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Put && o.key().equals(key)) {
        return true;
      }
    }
    return false;
  }

  private static Transaction.@Nullable Condition firstFailing(
      Transaction t, Map<String, Node> read) {
    for (Transaction.Condition c : t.conditions()) {
      if (!c.holdsFor(node(read, c.key()).pair(c.key()))) {
        return c;
      }
    }
    return null;
  }

  /**
   * Whether a failure holds whatever the member lags: a key whose node shows a write after the
   * index compared can never show that index again.
   */
  private static boolean proven(Transaction.Condition c, Map<String, Node> read) {
    Stat s = node(read, c.key()).stat();
    return c instanceof Transaction.IndexEquals ie && s != null && s.getMzxid() > ie.index();
  }

  /** Every key's node and whether its parent exists, all requests in flight together. */
  private Map<String, Node> readAll(ZooKeeper zk, List<String> keys)
      throws KeeperException, InterruptedException {
    List<CompletableFuture<Node>> data = new ArrayList<>();
    List<CompletableFuture<Boolean>> parents = new ArrayList<>();
    for (String k : keys) {
      String path = paths.path(k);
      CompletableFuture<Node> f = new CompletableFuture<>();
      zk.getData(
          path,
          false,
          (rc, p, ctx, d, stat) -> {
            if (rc == KeeperException.Code.OK.intValue()) {
              f.complete(new Node(d, stat, true));
            } else if (rc == KeeperException.Code.NONODE.intValue()) {
              f.complete(new Node(null, null, false));
            } else {
              f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), p));
            }
          },
          null);
      data.add(f);
      CompletableFuture<Boolean> pf = new CompletableFuture<>();
      zk.exists(
          Paths.parentOf(path),
          false,
          (rc, p, ctx, stat) -> {
            if (rc == KeeperException.Code.OK.intValue()
                || rc == KeeperException.Code.NONODE.intValue()) {
              pf.complete(rc == KeeperException.Code.OK.intValue());
            } else {
              pf.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), p));
            }
          },
          null);
      parents.add(pf);
    }
    Map<String, Node> out = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      String path = paths.path(keys.get(i));
      Node n = java.util.Objects.requireNonNull(listings.awaitZk(data.get(i), path));
      boolean parent = Boolean.TRUE.equals(listings.awaitZk(parents.get(i), path));
      out.put(keys.get(i), new Node(n.data(), n.stat(), n.stat() != null || parent));
    }
    return out;
  }

  /** The highest node on the way from the root to {@code path} that is missing. */
  private static String highestMissing(ZooKeeper zk, String path)
      throws KeeperException, InterruptedException {
    String missing = path;
    for (String p = Paths.parentOf(path); !p.equals("/"); p = Paths.parentOf(p)) {
      if (zk.exists(p, false) != null) {
        break;
      }
      missing = p;
    }
    return missing;
  }

  private Plan plan(Transaction t, Map<String, Node> read, Map<String, Proof> proofs) {
    Plan plan = new Plan();
    for (Transaction.Condition c : t.conditions()) {
      Stat s = node(read, c.key()).stat();
      if (s == null) {
        proveAbsent(plan, c.key(), proofs); // only Absent holds for a missing node
      } else {
        // Present and IndexEquals on a key, Absent on an implicit parent: unchanged since the read
        plan.add(Op.check(paths.path(c.key()), s.getVersion()), c.key(), false);
      }
    }
    // deletes before puts, as the memory store publishes them: a tree event's type is its last
    // change's
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Delete) {
        planDelete(plan, t, o.key(), node(read, o.key()), proofs);
      }
    }
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Put p) {
        planPut(plan, p, node(read, o.key()).stat());
      }
    }
    return plan;
  }

  private void planPut(Plan plan, Transaction.Put p, @Nullable Stat s) {
    String path = paths.path(p.key());
    WriteOptions w = p.options();
    if (w.isExpiring()) {
      plan.expiring.add(path);
    }
    if (s == null) {
      plan.putOp.put(p.key(), plan.ops.size());
      plan.add(nodes.createOp(path, p.valueUnsafe(), w), p.key(), true);
    } else if (nodes.updatableInPlace(s, w)) {
      plan.putOp.put(p.key(), plan.ops.size());
      plan.add(Op.setData(path, p.valueUnsafe(), s.getVersion()), p.key(), false);
    } else if (s.getNumChildren() > 0) {
      throw nodes.ephemeralWithChildren(p.key(), null);
    } else {
      // another kind of node (plain, ephemeral, TTL): replaced
      plan.add(Op.delete(path, s.getVersion()), p.key(), false);
      plan.putOp.put(p.key(), plan.ops.size());
      plan.add(nodes.createOp(path, p.valueUnsafe(), w), p.key(), true);
    }
  }

  private void planDelete(Plan plan, Transaction t, String key, Node n, Map<String, Proof> proofs) {
    String path = paths.path(key);
    Stat s = n.stat();
    if (s == null) {
      proveAbsent(plan, key, proofs); // nothing to delete: it must stay so
    } else if (n.data() == null) {
      plan.add(Op.check(path, s.getVersion()), key, false);
    } else if (s.getNumChildren() > 0 || putsBelow(t, key)) {
      // keys lie (or are put) below: the key becomes an implicit parent again
      plan.add(Op.setData(path, null, s.getVersion()), key, false);
    } else {
      plan.add(Op.delete(path, s.getVersion()), key, false);
    }
  }

  private static boolean putsBelow(Transaction t, String key) {
    for (Transaction.Operation o : t.operations()) {
      if (o instanceof Transaction.Put && o.key().startsWith(key + "/")) {
        return true;
      }
    }
    return false;
  }

  private void proveAbsent(Plan plan, String key, Map<String, Proof> proofs) {
    Proof p = proofs.get(key);
    if (p != null && p.ephemeralVersion() >= 0) {
      plan.add(Op.check(p.path(), p.ephemeralVersion()), key, false);
      return;
    }
    String node = p != null ? p.path() : paths.path(key);
    plan.add(
        Op.create(node, null, nodes.acl(), org.apache.zookeeper.CreateMode.PERSISTENT), key, false);
    plan.add(Op.delete(node, -1), key, false);
  }

  private Answer multi(ZooKeeper zk, Plan plan) throws KeeperException, InterruptedException {
    List<OpResult> results;
    try {
      results = zk.multi(plan.ops);
    } catch (KeeperException.NoNodeException
        | KeeperException.NodeExistsException
        | KeeperException.BadVersionException
        | KeeperException.NotEmptyException
        | KeeperException.NoChildrenForEphemeralsException e) {
      List<OpResult> r = e.getResults();
      int at = 0;
      if (r != null) {
        for (int i = 0; i < r.size(); i++) {
          if (r.get(i) instanceof OpResult.ErrorResult er
              && er.getErr() != KeeperException.Code.OK.intValue()) {
            at = i;
            break;
          }
        }
      }
      return new Answer(null, at, e.code().intValue(), 0);
    }
    // the answer's zxid: the multi-op's own unless another call on the handle was answered since
    long zxid = ZxidZooKeeper.lastZxid(zk);
    for (String path : plan.expiring) {
      nodes.markExpiring(zk, path);
    }
    return new Answer(results, -1, 0, zxid);
  }

  private static TransactionResult committed(Plan plan, List<OpResult> results, long answerZxid) {
    long zxid = 0;
    for (OpResult r : results) {
      Stat s = statOf(r);
      if (s != null) {
        zxid = s.getMzxid(); // every op of a multi-op has its zxid
      }
    }
    if (zxid == 0) {
      zxid = answerZxid; // deletes and checks only: their results carry no stat
    }
    Map<String, Long> indexes = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : plan.putOp.entrySet()) {
      Stat s = statOf(results.get(e.getValue()));
      indexes.put(e.getKey(), s != null ? s.getMzxid() : zxid);
    }
    return TransactionResult.committed(indexes, zxid);
  }

  private static @Nullable Stat statOf(OpResult r) {
    if (r instanceof OpResult.CreateResult c) {
      return c.getStat();
    }
    return r instanceof OpResult.SetDataResult s ? s.getStat() : null;
  }
}
