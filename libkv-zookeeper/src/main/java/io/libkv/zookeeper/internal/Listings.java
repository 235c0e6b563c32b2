package io.libkv.zookeeper.internal;

import io.libkv.Durations;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * Listing and batched reads: a level of the tree read at once (async calls, or read-only
 * multi-ops), lists proved to show one moment's state from the zxids the reads return, and
 * deleteTree on a listing.
 */
final class Listings {
  private static final System.Logger LOG = System.getLogger("io.libkv.zookeeper");

  /**
   * The largest answer a list asks for at once: its reads go in read-only multi-ops (ZooKeeper
   * 3.6+, one request for many nodes) sized so that even values all at the limit fit, and the
   * client accepts packets of this size (an answer beyond the client's limit drops the connection).
   */
  static final int LIST_REPLY_BYTES = 64 << 20;

  /** A node's data (null for an implicit parent) and stat, as one read returned them. */
  private record NodeRead(byte @Nullable [] data, Stat stat) {}

  /** A node's children and stat, as one read returned them. */
  private record ChildrenRead(List<String> children, Stat stat) {}

  private final Session session;
  private final Paths paths;

  /** Whether the servers take read-only multi-ops (3.6+); cleared for good on the first refusal. */
  private volatile boolean multiRead = true;

  Listings(Session session, Paths paths) {
    this.session = session;
    this.paths = paths;
  }

  /**
   * How often a list at least reads a directory that keeps changing before it gives up; it goes on
   * past that until the operation timeout has passed since it began, since each attempt that fails
   * needs a write to land within about one round trip (a write storm, not a busy tree).
   */
  static final int LIST_ATTEMPTS = 5;

  /**
   * Lists every node below {@code dir}, reading a whole level's nodes at once (async calls in
   * flight together), so a listing costs one round trip per level rather than per key.
   */
  Listing listing(ZooKeeper zk, String dir, boolean withValues)
      throws KeeperException, InterruptedException {
    return listing(zk, dir, withValues, null);
  }

  /**
   * A listing, which tells whether a change fell between its reads ({@link Listing#torn}).
   *
   * <p>Why an untorn listing is one moment's state: {@code at} is the newest zxid the handle had
   * seen once the directory was read, so every later read is served at state {@code at} or newer. A
   * node read then whose mzxid and pzxid are both at most {@code at} had the same data and the same
   * children at {@code at} (a zxid only grows, and a child's creation or deletion moves its
   * parent's pzxid). A node listed by its parent but gone when read changed after {@code at}. The
   * directory itself, read before {@code at}, is checked unchanged by its stat in the children
   * answer. So if no read shows a newer zxid or a node gone, the listing is the state at {@code
   * at}, proved from the stats the reads return anyway: no extra round trip.
   *
   * <p>A retry ({@code known}: the previous attempt) does not walk level by level: it takes {@code
   * at} first and sends every read the previous attempt made at once, so the state has one round
   * trip, not one per level, to change under it; only nodes new since then cost more reads.
   */
  Listing listing(ZooKeeper zk, String dir, boolean withValues, @Nullable Listing known)
      throws KeeperException, InterruptedException {
    Listing out = new Listing();
    String dirPath = paths.path(dir);
    Stat ds;
    List<String> level = new ArrayList<>();
    long at;
    // reads sent ahead (a retry's), by node path
    Map<String, CompletableFuture<ChildrenRead>> childrenSent = new HashMap<>();
    Map<String, CompletableFuture<NodeRead>> dataSent = new HashMap<>();
    NodeRead dr;
    long seen = ZxidZooKeeper.lastZxid(zk); // 0 on a handle that has had no answer yet: walk then
    if (known != null && seen > 0) {
      at = seen;
      CompletableFuture<NodeRead> dirRead = readEach(zk, List.of(dirPath), true).get(0);
      for (String p : known.parents) {
        childrenSent.put(p, children(zk, p));
      }
      List<CompletableFuture<NodeRead>> datas =
          withValues && multiRead
              ? readBatched(zk, known.nodes)
              : readEach(zk, known.nodes, withValues);
      for (int i = 0; i < known.nodes.size(); i++) {
        dataSent.put(known.nodes.get(i), datas.get(i));
      }
      dr = awaitZk(dirRead, dirPath);
      if (dr == null) {
        out.torn = true; // gone since the last attempt, maybe after at: the next attempt walks anew
        return out;
      }
      ds = dr.stat();
      if (ds.getMzxid() > at || ds.getPzxid() > at) {
        // changed after at: what the last attempt knew is still the best guess for the next
        out.torn = true;
        out.dirExists = true;
        out.nodes.addAll(known.nodes);
        out.parents.addAll(known.parents);
        return out;
      }
    } else {
      ds = new Stat();
      try {
        dr = new NodeRead(zk.getData(dirPath, false, ds), ds);
      } catch (KeeperException.NoNodeException e) {
        out.index = Nodes.ancestorIndex(zk, dirPath);
        out.maxZxid = out.index;
        return out;
      }
      at = ZxidZooKeeper.lastZxid(zk);
    }
    at = Math.max(at, Math.max(ds.getMzxid(), ds.getPzxid()));
    out.dirExists = true;
    out.dirIsKey = dr.data() != null && !dir.isEmpty();
    out.index = Math.max(ds.getMzxid(), ds.getPzxid());
    out.maxZxid = out.index;
    if (ds.getNumChildren() > 0) {
      level.add(dirPath);
    }
    while (!level.isEmpty()) {
      List<CompletableFuture<ChildrenRead>> kids = new ArrayList<>(level.size());
      for (String p : level) {
        CompletableFuture<ChildrenRead> ahead = childrenSent.get(p);
        kids.add(ahead != null ? ahead : children(zk, p));
      }
      List<String> childPaths = new ArrayList<>();
      for (int i = 0; i < level.size(); i++) {
        String parent = level.get(i);
        ChildrenRead r = awaitZk(kids.get(i), parent);
        if (r == null) {
          out.torn = true; // deleted since its parent (or, for the directory, its data) was read
          continue;
        }
        out.parents.add(parent);
        Stat ps = r.stat();
        if (ps.getMzxid() > at
            || ps.getPzxid() > at
            || parent.equals(dirPath)
                && (ps.getCzxid() != ds.getCzxid() || ps.getMzxid() != ds.getMzxid())) {
          out.torn = true;
        }
        for (String c : r.children()) {
          String cp = parent.equals("/") ? "/" + c : parent + "/" + c;
          String k = paths.keyOf(cp);
          if (k == null || paths.hidden(k)) {
            continue;
          }
          childPaths.add(cp);
        }
      }
      List<String> unread = new ArrayList<>();
      for (String cp : childPaths) {
        if (!dataSent.containsKey(cp)) {
          unread.add(cp);
        }
      }
      List<CompletableFuture<NodeRead>> datas =
          withValues && multiRead ? readBatched(zk, unread) : readEach(zk, unread, withValues);
      for (int i = 0; i < unread.size(); i++) {
        dataSent.put(unread.get(i), datas.get(i));
      }
      List<String> next = new ArrayList<>();
      for (int i = 0; i < childPaths.size(); i++) {
        // every child's read was sent above
        NodeRead r =
            awaitZk(Objects.requireNonNull(dataSent.get(childPaths.get(i))), childPaths.get(i));
        if (r == null) {
          out.torn = true; // deleted meanwhile
          continue;
        }
        String cp = childPaths.get(i);
        Stat s = r.stat();
        if (s.getMzxid() > at || s.getPzxid() > at) {
          out.torn = true;
        }
        out.maxZxid = Math.max(out.maxZxid, Math.max(s.getMzxid(), s.getPzxid()));
        out.nodes.add(cp);
        if (r.data() != null) {
          String k = Objects.requireNonNull(paths.keyOf(cp)); // childPaths holds only paths of keys
          out.pairs.put(k, KVPair.ofOwned(k, r.data(), s.getMzxid()));
        }
        if (s.getNumChildren() > 0) {
          next.add(cp);
        }
      }
      level = next;
    }
    return out;
  }

  /** Reads a node's children and stat, or null for a node gone meanwhile. */
  private static CompletableFuture<ChildrenRead> children(ZooKeeper zk, String path) {
    CompletableFuture<ChildrenRead> f = new CompletableFuture<>();
    zk.getChildren(
        path,
        false,
        (rc, p, ctx, children, stat) -> {
          if (rc == KeeperException.Code.NONODE.intValue()) {
            f.complete(null);
          } else if (rc != 0) {
            f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), p));
          } else {
            f.complete(new ChildrenRead(children, stat));
          }
        },
        null);
    return f;
  }

  /** One read per node, all in flight at once; null for a node gone meanwhile. */
  private static List<CompletableFuture<NodeRead>> readEach(
      ZooKeeper zk, List<String> nodePaths, boolean withValues) {
    List<CompletableFuture<NodeRead>> out = new ArrayList<>(nodePaths.size());
    for (String cp : nodePaths) {
      CompletableFuture<NodeRead> f = new CompletableFuture<>();
      if (withValues) {
        zk.getData(
            cp, false, (rc, path, ctx, data, stat) -> complete(f, rc, path, data, stat), null);
      } else {
        zk.exists(cp, false, (rc, path, ctx, stat) -> complete(f, rc, path, null, stat), null);
      }
      out.add(f);
    }
    return out;
  }

  /**
   * The same reads as {@link #readEach} in read-only multi-ops, all in flight at once: a batch
   * holds as many nodes as fit in {@link #LIST_REPLY_BYTES} with every value at the store's limit.
   * A server that refuses them (before 3.6) gets one read per node from then on.
   */
  private List<CompletableFuture<NodeRead>> readBatched(ZooKeeper zk, List<String> nodePaths)
      throws KeeperException, InterruptedException {
    List<CompletableFuture<NodeRead>> out = new ArrayList<>(nodePaths.size());
    List<CompletableFuture<List<OpResult>>> batches = new ArrayList<>();
    List<int[]> spans = new ArrayList<>();
    int from = 0;
    while (from < nodePaths.size()) {
      long budget = LIST_REPLY_BYTES / 2;
      int to = from;
      List<Op> ops = new ArrayList<>();
      while (to < nodePaths.size()) {
        long worst =
            session.maxValueBytes()
                + 3L * nodePaths.get(to).length()
                + 256; // value, stat, path, headers
        if (!ops.isEmpty() && worst > budget) {
          break;
        }
        budget -= worst;
        ops.add(Op.getData(nodePaths.get(to)));
        to++;
      }
      CompletableFuture<List<OpResult>> f = new CompletableFuture<>();
      zk.multi(
          ops,
          (rc, path, ctx, results) -> {
            if (rc == 0 || results != null && !results.isEmpty()) {
              f.complete(results);
            } else {
              f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
            }
          },
          null);
      batches.add(f);
      spans.add(new int[] {from, to});
      from = to;
    }
    for (int b = 0; b < batches.size(); b++) {
      List<OpResult> results;
      try {
        // a multi that succeeds answers with its results
        results = Objects.requireNonNull(awaitZk(batches.get(b), nodePaths.get(spans.get(b)[0])));
      } catch (KeeperException.UnimplementedException
          | KeeperException.MarshallingErrorException e) {
        multiRead = false; // a server before 3.6
        LOG.log(
            System.Logger.Level.INFO,
            () ->
                "store "
                    + session.description()
                    + ": the servers refuse read-only multi-ops (before ZooKeeper 3.6); lists read one node at a time");
        return readEach(zk, nodePaths, true);
      }
      if (results.size() != spans.get(b)[1] - spans.get(b)[0]) {
        throw new KVException(
            "a multi-read of "
                + (spans.get(b)[1] - spans.get(b)[0])
                + " nodes returned "
                + results.size()
                + " results [store "
                + session.description()
                + "]",
            null);
      }
      for (OpResult r : results) {
        CompletableFuture<NodeRead> f = new CompletableFuture<>();
        if (r instanceof OpResult.GetDataResult d) {
          f.complete(new NodeRead(d.getData(), d.getStat()));
        } else if (r instanceof OpResult.ErrorResult err) {
          complete(
              f, err.getErr(), nodePaths.get(out.size()), null, null); // NONODE: deleted meanwhile
        } else {
          f.completeExceptionally(
              new KVException(
                  "unexpected multi-read result " + r + " [store " + session.description() + "]",
                  null));
        }
        out.add(f);
      }
    }
    return out;
  }

  private static void complete(
      CompletableFuture<NodeRead> f,
      int rc,
      String path,
      byte @Nullable [] data,
      @Nullable Stat stat) {
    if (rc == 0) {
      // ZooKeeper gives the stat of every node it found
      f.complete(new NodeRead(data, Objects.requireNonNull(stat)));
    } else if (rc == KeeperException.Code.NONODE.intValue()) {
      f.complete(null);
    } else {
      f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
    }
  }

  /** Waits out a ZooKeeper callback's future for up to the operation timeout. */
  <T> @Nullable T awaitZk(CompletableFuture<T> f, String path)
      throws KeeperException, InterruptedException {
    try {
      return f.get(session.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KeeperException) {
        throw (KeeperException) e.getCause();
      }
      throw new KVException(
          "ZooKeeper call failed [store " + session.description() + "]", e.getCause());
    } catch (TimeoutException e) {
      throw KeeperException.create(KeeperException.Code.OPERATIONTIMEOUT, path);
    }
  }

  List<KVPair> list(String dir) {
    Listing l = snapshotListing(dir);
    if (l.pairs.isEmpty() && !l.dirIsKey && !dir.isEmpty()) {
      // neither the directory is a key nor is any key below it (an implicit parent left empty
      // counts as absent)
      throw new KeyNotFoundException("directory not found", dir, session.description(), null);
    }
    return new ArrayList<>(l.pairs.values());
  }

  /**
   * A listing that shows the directory as it was at one moment: read again while a change falls
   * between its reads, at least {@link #LIST_ATTEMPTS} times and for the operation timeout (each
   * retry starts from a newer zxid, so only a change during that retry makes it fail again).
   */
  private Listing snapshotListing(String dir) {
    Listing previous = null;
    long began = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      Listing known = previous != null && previous.dirExists ? previous : null;
      Listing l = session.read(dir, zk -> listing(zk, dir, true, known));
      if (!l.torn) {
        return l;
      }
      previous = l;
      if (attempt >= LIST_ATTEMPTS && System.nanoTime() - began >= session.opTimeout().toNanos()) {
        throw session
            .errors()
            .listingChanged(
                "the directory changed during each of "
                    + attempt
                    + " attempts to read it at one moment (for "
                    + Durations.format(session.opTimeout())
                    + ")",
                dir);
      }
    }
  }

  void deleteTree(String dir) {
    String dirPath = paths.path(dir);
    session.writeVoid(
        dir,
        zk -> {
          boolean current = false;
          for (int attempt = 0; ; attempt++) {
            Listing l = listing(zk, dir, false);
            if (!l.dirExists) {
              if (current) {
                return;
              }
              // the member may not have applied a write acknowledged before this call (an
              // ensemble's follower, or the leader itself): an absent directory is believed only
              // once it has
              CompareAndSet.applyEarlierCommits(zk);
              current = true;
              continue;
            }
            List<Op> ops = new ArrayList<>(l.nodes.size() + 1);
            // children before parents: the listing is breadth-first, so reversed it is deepest
            // first
            for (int i = l.nodes.size() - 1; i >= 0; i--) {
              ops.add(Op.delete(l.nodes.get(i), -1));
            }
            ops.add(Op.delete(dirPath, -1));
            long bytes = 0;
            for (Op op : ops) {
              bytes += op.getPath().length() * 3L + 16;
            }
            try {
              if (bytes < Session.DEFAULT_JUTE_MAXBUFFER / 2) {
                zk.multi(ops); // atomic
              } else {
                // too big for one request: deepest first, in chunks (not atomic, documented)
                for (int i = 0; i < ops.size(); i += 1000) {
                  zk.multi(ops.subList(i, Math.min(ops.size(), i + 1000)));
                }
              }
              return;
            } catch (KeeperException.NotEmptyException | KeeperException.NoNodeException e) {
              // a concurrent writer added or removed something, or the member had not applied it
              // yet: list again once it has
              if (attempt >= 10) {
                throw e;
              }
              CompareAndSet.applyEarlierCommits(zk);
              current = true;
            }
          }
        });
  }
}
