package io.libkv.zookeeper.internal;

import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.StoreConfig;
import io.libkv.StoreStatus;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.spi.AbstractStore;
import io.libkv.spi.EventChannel;
import io.libkv.zookeeper.ZooKeeperOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;

/**
 * The libkv store on ZooKeeper. Key {@code a/b} is node {@code /a/b} below the chroot; implicit
 * parents are nodes with null data (ZooKeeper keeps null apart from an empty value), so they are
 * not keys. {@code lastIndex} is the node's mzxid. One ZooKeeper session per store carries its
 * ephemeral keys and locks. Expiring keys are TTL nodes where the server enables them.
 *
 * <p>The store checks keys and hands each operation to the part that owns it: {@link Session}
 * (connection, calls, capabilities, lock deadlines), {@link Nodes} and {@link CompareAndSet} (keys
 * and node kinds), {@link Listings} (lists and deleteTree), {@link Transactions} (commit), {@link
 * Watches}, {@link ZooKeeperLock}. Public only for the provider: the package is not exported.
 */
public final class ZooKeeperStore extends AbstractStore {
  /**
   * The value limit by default: below ZooKeeper's 1 MiB packet limit with room for path and stat.
   */
  static final long DEFAULT_MAX_VALUE_BYTES = 1_000_000;

  private final Paths paths;
  private final Session session;
  private final Nodes nodes;
  private final CompareAndSet cas;
  private final Listings listings;
  private final Transactions transactions;
  private final ExecutorService watchExecutor;
  private final Watches watches;
  private final HeldLocks held;

  private ZooKeeperStore(
      String description, List<String> endpoints, StoreConfig config, ZooKeeperOptions options) {
    super(description);
    this.paths = new Paths(description, config.prefix());
    this.session =
        new Session(
            description,
            endpoints,
            config,
            options,
            config.maxValueBytes().orElse(DEFAULT_MAX_VALUE_BYTES),
            this::checkOpen,
            this::isClosed,
            new Session.Events() {
              @Override
              public void stateChanged(ConnectionState state) {
                onState(state);
              }

              @Override
              public void sessionResumed(boolean newSession) {
                held.sessionResumed(newSession);
                watches.sessionResumed(newSession);
              }
            });
    this.nodes = new Nodes(session, paths, config.username().isPresent());
    this.cas = new CompareAndSet(session, paths, nodes);
    this.listings = new Listings(session, paths);
    this.transactions = new Transactions(session, paths, nodes, listings);
    ThreadPoolExecutor watchThread =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            r -> Session.daemon("libkv-zk-watch-", r));
    // started with the store, not by its first event, so the store's threads are fixed once it is
    // open
    watchThread.prestartCoreThread();
    this.watchExecutor = watchThread;
    this.watches = new Watches(session, paths, nodes, listings, this::isClosed, watchExecutor);
    this.held = new HeldLocks(watchExecutor);
  }

  /**
   * Connects and returns a store, or fails with {@link StoreUnavailableException} naming the
   * endpoints when no server answers within the connection timeout.
   *
   * @param scheme the URI's scheme, for the store's description
   * @param endpoints {@code host:port} of each server to use
   * @param config the store's configuration; its prefix is the chroot
   * @param options the backend's own settings (session timeout, container check interval)
   * @return the open store
   */
  public static ZooKeeperStore open(
      String scheme, List<String> endpoints, StoreConfig config, ZooKeeperOptions options) {
    String description =
        scheme
            + "://"
            + String.join(",", endpoints)
            + (config.prefix().isEmpty() ? "" : "/" + config.prefix());
    ZooKeeperStore store = new ZooKeeperStore(description, endpoints, config, options);
    try {
      if (!store.session.start()) {
        // a client without a session still waits out the request timeout for its close-session
        // request: close it in the background, so that the failure is reported now
        Thread closer = new Thread(store::close, "libkv-zk-close-unconnected");
        closer.setDaemon(true);
        closer.start();
        throw store.session.notConnected();
      }
      store.afterConnect();
      return store;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      store.close();
      throw store.session.errors().unavailable("interrupted while connecting", null, e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Probes what depends on the server: the negotiated session timeout, TTL nodes; makes the chroot.
   */
  private void afterConnect() {
    if (paths.chrooted()) {
      session.writeVoid(
          null,
          z -> {
            nodes.ensureNode(z, paths.root(), null);
          });
    }
    session.established(nodes.probeTtlNodes());
  }

  private void onState(ConnectionState state) {
    if (state == ConnectionState.SUSPENDED) {
      // the session may survive, but another client may be granted our locks before we know: lost
      held.markLost(true);
    } else if (state == ConnectionState.LOST) {
      held.markLost(false);
    }
    fireConnectionState(state);
  }

  @Override
  public Capabilities capabilities() {
    return session.capabilities();
  }

  /**
   * Each server's version and mode from its {@code srvr} command (health unknown where the server's
   * 4lw whitelist leaves it out), and the session.
   */
  @Override
  public StoreStatus status() {
    return session.status(statusBuilder()).build();
  }

  // ---- the contract

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    nodes.put(paths.checkUserKey(key), value, options);
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    for (String k : entries.keySet()) {
      paths.checkUserKey(k);
    }
    nodes.putAll(entries);
  }

  @Override
  protected KVPair doGet(String key) {
    return nodes.get(paths.checkUserKey(key));
  }

  @Override
  protected boolean doExists(String key) {
    return nodes.exists(paths.checkUserKey(key));
  }

  @Override
  protected void doDelete(String key) {
    nodes.delete(paths.checkUserKey(key));
  }

  @Override
  protected List<KVPair> doList(String dir) {
    if (!dir.isEmpty()) {
      paths.checkUserKey(dir);
    }
    return listings.list(dir);
  }

  @Override
  protected void doDeleteTree(String dir) {
    listings.deleteTree(paths.checkUserKey(dir));
  }

  @Override
  protected KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    return cas.atomicPut(paths.checkUserKey(key), value, previous, options);
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    cas.atomicDelete(paths.checkUserKey(key), previous);
  }

  @Override
  protected TransactionResult doCommit(Transaction transaction) {
    return transactions.commit(transaction);
  }

  @Override
  public Map<String, Integer> watchResources() {
    return watches.watchResources();
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    watches.watch(paths.checkUserKey(key), options, channel);
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    if (!dir.isEmpty()) {
      paths.checkUserKey(dir);
    }
    watches.watchTree(dir, options, channel);
  }

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    paths.checkUserKey(key);
    return new ZooKeeperLock(session, paths, nodes, held, openCheck(), key, options.value());
  }

  // ---- for tests

  /** The session's handle, for tests that kill the session. */
  ZooKeeper currentZooKeeper() {
    return session.zk(null);
  }

  /** The transaction part, for fault tests that act between its read and its multi-op. */
  Transactions transactions() {
    return transactions;
  }

  /** The listing part, for tests of its snapshot proof. */
  Listings listings() {
    return listings;
  }

  @Override
  protected void doClose() {
    session.stopEvents();
    held.closeAll();
    watchExecutor.shutdownNow();
    session.close();
  }
}
