package io.libkv.zookeeper;

import io.libkv.spi.Durations;
import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.EventType;
import io.libkv.InvalidKeyException;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.TreeEvent;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.spi.AbstractStore;
import io.libkv.StoreStatus;
import io.libkv.spi.Backoff;
import io.libkv.spi.Durations;
import io.libkv.spi.EndpointProbe;
import io.libkv.spi.EventChannel;
import io.libkv.spi.Retry;
import io.libkv.spi.WatchHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.CreateOptions;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * The libkv store on ZooKeeper. Key {@code a/b} is node {@code /a/b} below the chroot; implicit
 * parents are nodes with null data (ZooKeeper keeps null apart from an empty value), so they are
 * not keys. {@code lastIndex} is the node's mzxid. One ZooKeeper session per store carries its
 * ephemeral keys and locks. Expiring keys are TTL nodes where the server enables them.
 *
 * <p>Operations use the session's raw {@link ZooKeeper} handle (Curator keeps the connection,
 * the session and its re-creation); none is retried by Curator, so a write whose connection drops
 * after it was sent surfaces as {@link io.libkv.UnknownOutcomeException} instead of being repeated.
 */
final class ZooKeeperStore extends AbstractStore {
  private static final System.Logger LOG = System.getLogger("io.libkv.zookeeper");
  /** The value limit by default: below ZooKeeper's 1 MiB packet limit with room for path and stat. */
  static final long DEFAULT_MAX_VALUE_BYTES = 1_000_000;
  /** ZooKeeper's own packet limit ({@code jute.maxbuffer}) when nothing raises it. */
  static final int DEFAULT_JUTE_MAXBUFFER = 0xfffff;
  /**
   * The largest answer a list asks for at once: its reads go in read-only multi-ops (ZooKeeper
   * 3.6+, one request for many nodes) sized so that even values all at the limit fit, and the
   * client accepts packets of this size (an answer beyond the client's limit drops the connection).
   */
  static final int LIST_REPLY_BYTES = 64 << 20;
  static final String LOCKS = "_libkv/locks";
  private static final String TTL_PROBE = "_libkv/ttl-probe";
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final Pattern SRVR_VERSION = Pattern.compile("Zookeeper version: ([^,\\s-]+)");
  private static final Pattern SRVR_MODE = Pattern.compile("Mode: (\\w+)");
  /** Bound on each step of the probe that explains a failed connect. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  final CuratorFramework client;
  final ZkErrors errors;
  /** The chroot as a path prefix: "" or "/app". */
  final String root;
  final List<ACL> acl;
  private final boolean chrooted;
  private final StoreConfig config;
  private final Duration opTimeout;
  private final Backoff backoff = Backoff.exponential(Duration.ofMillis(20), Duration.ofMillis(500));
  private final long maxValueBytes;
  private volatile Capabilities capabilities;
  private volatile long sessionId;
  private volatile boolean expiringSupported;

  final WatchHub hub = new WatchHub();
  private final ExecutorService watchExecutor;
  private final Watcher eventWatcher = this::onWatchEvent;
  private final java.util.Queue<Object[]> pendingEvents = new java.util.concurrent.ConcurrentLinkedQueue<>();
  // zk path -> number of open watches needing a persistent recursive watch there
  private final Map<String, Integer> registrations = new HashMap<>();
  final Set<ZooKeeperLock.Held> held = ConcurrentHashMap.newKeySet();
  private final ConnectionStateListener stateListener = (c, s) -> onState(s);
  private final java.util.concurrent.atomic.AtomicReference<Heard> heard =
      new java.util.concurrent.atomic.AtomicReference<>(new Heard(0, 0, 0));
  private volatile io.libkv.Subscription heartbeat;

  private ZooKeeperStore(String description, List<String> endpoints, StoreConfig config, CuratorFramework client,
      long maxValueBytes, boolean auth) {
    super(description);
    this.config = config;
    this.client = client;
    this.errors = new ZkErrors(description, endpoints);
    this.root = config.prefix().isEmpty() ? "" : "/" + config.prefix();
    this.chrooted = !config.prefix().isEmpty();
    this.opTimeout = config.operationTimeout();
    this.maxValueBytes = maxValueBytes;
    this.acl = auth ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
    ThreadPoolExecutor watchThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "libkv-zk-watch-" + THREADS.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    // started with the store, not by its first event, so the store's threads are fixed once it is open
    watchThread.prestartCoreThread();
    this.watchExecutor = watchThread;
  }

  /**
   * Connects and returns a store, or fails with {@link StoreUnavailableException} naming the
   * endpoints when no server answers within the connection timeout.
   */
  static ZooKeeperStore open(String scheme, List<String> endpoints, StoreConfig config) {
    String description = scheme + "://" + String.join(",", endpoints)
        + (config.prefix().isEmpty() ? "" : "/" + config.prefix());
    long maxValue = config.maxValueBytes().orElse(DEFAULT_MAX_VALUE_BYTES);
    ZKClientConfig zkConfig = new ZKClientConfig();
    zkConfig.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Long.toString(config.operationTimeout().toMillis()));
    // a read returns the value plus its stat: let the client take what the limit lets through
    // and a list's batched reads (multi-reads) answers of up to LIST_REPLY_BYTES
    long packet = Math.max(LIST_REPLY_BYTES, maxValue + 64 * 1024);
    zkConfig.setProperty("jute.maxbuffer", Long.toString(Math.min(Integer.MAX_VALUE, packet)));
    boolean tls = ZkTls.configure(config, zkConfig, description);
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
        .connectString(String.join(",", endpoints))
        .sessionTimeoutMs(millis(config.sessionTimeout()))
        .connectionTimeoutMs(millis(config.connectTimeout()))
        // libkv decides what may be retried: a write sent twice could apply twice
        .retryPolicy(new RetryNTimes(0, 0))
        .zkClientConfig(zkConfig)
        // handles that tell the zxid their last answer came from: a list proves its snapshot with it
        .zookeeperFactory(new ZxidZooKeeper.Factory(zkConfig))
        .dontUseContainerParents()
        // connect only to the servers the URI names: the ensemble's own configuration may list
        // addresses this client cannot or must not use (NAT, proxies, another network)
        .ensembleTracker(false)
        .threadFactory(r -> {
          Thread t = new Thread(r, "libkv-zk-curator-" + THREADS.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    boolean auth = config.username().isPresent();
    if (auth) {
      String password = config.password().map(s -> s.reveal()).orElseThrow(() -> new io.libkv.ConfigurationException(
          "username given without a password (passwordFile, or LIBKV_PASSWORD for the CLI) for " + description));
      b.authorization("digest", (config.username().get() + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    CuratorFramework client = b.build();
    ZooKeeperStore store = new ZooKeeperStore(description, endpoints, config, client, maxValue, auth);
    client.getConnectionStateListenable().addListener(store.stateListener);
    client.start();
    try {
      if (!client.blockUntilConnected(millis(config.connectTimeout()), TimeUnit.MILLISECONDS)) {
        // a client without a session still waits out the request timeout for its close-session
        // request: close it in the background, so that the failure is reported now
        Thread closer = new Thread(store::close, "libkv-zk-close-unconnected");
        closer.setDaemon(true);
        closer.start();
        // say what answered: the client itself only knows that no session came
        throw store.errors.unavailable("could not connect to ZooKeeper within "
            + Durations.format(config.connectTimeout()) + ": "
            + EndpointProbe.explain("zookeeper", tls, endpoints, PROBE_TIMEOUT).orElse(tls
                ? "check that the server serves TLS and that ca, cert and key match it"
                : "no session was established"), null, null);
      }
      store.afterConnect();
      return store;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      store.close();
      throw store.errors.unavailable("interrupted while connecting", null, e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }

  /** Probes what depends on the server: the negotiated session timeout, TTL nodes; makes the chroot. */
  private void afterConnect() {
    ZooKeeper zk = zk(null);
    sessionId = zk.getSessionId();
    if (chrooted) {
      write(null, z -> {
        ensureNode(z, root, null);
        return null;
      });
    }
    expiringSupported = probeTtlNodes();
    capabilities = buildCapabilities(zk.getSessionTimeout());
    scheduleHeartbeat();
  }

  private Capabilities buildCapabilities(int negotiatedMs) {
    Duration session = Duration.ofMillis(negotiatedMs > 0 ? negotiatedMs : config.sessionTimeout().toMillis());
    Capabilities.Builder b = Capabilities.builder("zookeeper")
        // the session is the real bound; the server notices an expired session within a tick or two
        .ephemeralTtl(session, Duration.ofSeconds(2))
        .everyRevisionWatch(false)
        .crossProcessWatch(true)
        .tls(true)
        .auth(true)
        .atomicBatch(true)
        .maxValueBytes(maxValueBytes)
        .forbidKeyCodePoints(0x0000, 0x001F, "control character")
        .forbidKeyCodePoints(0x007F, 0x009F, "control character")
        .forbidKeyCodePoints(0xD800, 0xF8FF, "surrogate or private use: ZooKeeper refuses it in paths")
        .forbidKeyCodePoints(0xFFF0, 0xFFFF, "specials: ZooKeeper refuses them in paths")
        .forbidKeyCodePoints(0x10000, 0x10FFFF,
            "supplementary character: ZooKeeper checks UTF-16 units and refuses surrogates in paths");
    if (expiringSupported) {
      // TTL nodes are swept every container check interval, not at their deadline
      b.expiringTtl(Duration.ofMillis(1), config.containerCheckInterval());
    }
    return b.build();
  }

  /** Whether the server creates TTL nodes ({@code zookeeper.extendedTypesEnabled=true}). */
  private boolean probeTtlNodes() {
    String probe = path(TTL_PROBE);
    try {
      return write(null, zk -> {
        try {
          ensureParents(zk, probe);
          // a TTL of 1 ms: the server's next sweep removes it; a later open recreates it
          zk.create(probe, new byte[0], acl, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 1);
          return true;
        } catch (KeeperException.NodeExistsException e) {
          return true;
        } catch (KeeperException.UnimplementedException | KeeperException.BadArgumentsException e) {
          return false;
        }
      });
    } catch (KVException e) {
      LOG.log(System.Logger.Level.DEBUG, "TTL-node probe failed on " + description() + ": " + e.getMessage());
      return false;
    }
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  /** The current session's id (0 before the first connection). */
  long sessionId() {
    return sessionId;
  }

  /**
   * Each server's version and mode from its {@code srvr} command (health unknown where the server's
   * 4lw whitelist leaves it out), and the session.
   */
  @Override
  public StoreStatus status() {
    StoreStatus.Builder b = statusBuilder();
    boolean versioned = false;
    for (String e : errors.endpoints()) {
      Optional<String> reply = EndpointProbe.ask(e, "srvr", PROBE_TIMEOUT);
      Matcher version = SRVR_VERSION.matcher(reply.orElse(""));
      Matcher mode = SRVR_MODE.matcher(reply.orElse(""));
      String detail = mode.find() ? "mode " + mode.group(1) : reply.isPresent() ? "srvr not allowed" : "no answer";
      StoreStatus.Health health = version.find() ? StoreStatus.Health.UP
          : reply.isPresent() ? StoreStatus.Health.UNKNOWN : StoreStatus.Health.DOWN;
      Optional<String> v = health == StoreStatus.Health.UP ? Optional.of(version.group(1)) : Optional.empty();
      b.member(new StoreStatus.Member(e, health, v, detail.startsWith("mode leader"), Optional.of(detail)));
      if (v.isPresent() && !versioned) {
        b.serverVersion(v.get());
        versioned = true;
      }
    }
    b.detail("session", "0x" + Long.toHexString(sessionId) + ", timeout " + Durations.format(sessionTimeout()));
    return b.build();
  }

  /** The negotiated session timeout. */
  Duration sessionTimeout() {
    return capabilities.minEphemeralTtl();
  }

  // ---- paths

  /** The node of a canonical key (or of "" = the chroot itself: "/" without a chroot). */
  String path(String key) {
    if (key.isEmpty()) {
      return root.isEmpty() ? "/" : root;
    }
    return root + "/" + key;
  }

  /** The canonical key of a node below the chroot, or null for the chroot itself or outside it. */
  String keyOf(String path) {
    if (root.isEmpty()) {
      return path.length() > 1 ? path.substring(1) : null;
    }
    if (path.startsWith(root + "/")) {
      return path.substring(root.length() + 1);
    }
    return null;
  }

  /** Whether a key or directory is not the user's: ZooKeeper's own {@code /zookeeper} or libkv's. */
  private boolean hidden(String key) {
    return Keys.isReserved(key) || (!chrooted && (key.equals("zookeeper") || key.startsWith("zookeeper/")));
  }

  private String checkUserKey(String key) {
    if (!chrooted && (key.equals("zookeeper") || key.startsWith("zookeeper/"))) {
      throw new InvalidKeyException("/zookeeper is ZooKeeper's own tree: without a chroot, keys under \"zookeeper\" "
          + "are reserved", key, description(), null);
    }
    return key;
  }

  private static String parentOf(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }

  // ---- running calls

  /** A call on the session's handle. */
  @FunctionalInterface
  interface ZkCall<T> {
    T call(ZooKeeper zk) throws KeeperException, InterruptedException;
  }

  /** The session's handle, once connected (waiting up to the operation timeout). */
  ZooKeeper zk(String key) {
    try {
      if (!client.getZookeeperClient().isConnected()
          && !client.blockUntilConnected(millis(opTimeout), TimeUnit.MILLISECONDS)) {
        throw errors.unavailable("not connected to ZooKeeper within " + Durations.format(opTimeout), key, null);
      }
      return client.getZookeeperClient().getZooKeeper();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw errors.unavailable("interrupted while waiting for the connection", key, e);
    } catch (KVException e) {
      throw e;
    } catch (Exception e) {
      if (isClosed()) {
        throw new IllegalStateException("store " + description() + " is closed");
      }
      throw errors.unavailable("no ZooKeeper connection: " + e.getMessage(), key, e);
    }
  }

  /** Runs a read, retried while the store is unreachable, up to the operation timeout. */
  <T> T read(String key, ZkCall<T> call) {
    return Retry.call(() -> once(key, call, false), backoff, opTimeout);
  }

  /** Runs a write: retried only while known not to have been sent. */
  <T> T write(String key, ZkCall<T> call) {
    return Retry.call(() -> once(key, call, true), backoff, opTimeout);
  }

  private <T> T once(String key, ZkCall<T> call, boolean write) {
    checkOpen();
    ZooKeeper zk = zk(key);
    long sent = time().nanoTime();
    try {
      T result = call.call(zk);
      heard(zk.getSessionId(), sent);
      return result;
    } catch (KeeperException e) {
      if (answered(e.code().intValue())) {
        heard(zk.getSessionId(), sent);
      }
      if (isClosed()) {
        // close() ended the session under this call: say so, not "connection lost"
        throw new IllegalStateException("store " + description() + " is closed", e);
      }
      throw errors.map(e, key, write);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (write) {
        throw errors.unknown("interrupted after the write was sent", key, e);
      }
      throw new KVException("interrupted [store " + description() + "]", e);
    }
  }

  // ---- node helpers (inside calls)

  /** Creates the node with null data (an implicit parent) if absent, and its parents. */
  void ensureNode(ZooKeeper zk, String path, CreateMode mode) throws KeeperException, InterruptedException {
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
        ensureNode(zk, parentOf(path), mode);
      }
    }
  }

  /** Creates the parents of {@code path} (implicit parents, null data). */
  void ensureParents(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    ensureNode(zk, parentOf(path), null);
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

  private Op createOp(String path, byte[] value, WriteOptions o) {
    CreateOptions.Builder b = CreateOptions.newBuilder(acl, modeFor(o));
    if (o.isExpiring()) {
      b.withTtl(ttlMillis(o));
    }
    return Op.create(path, value, b.build());
  }

  private Stat create(ZooKeeper zk, String path, byte[] value, WriteOptions o) throws KeeperException, InterruptedException {
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
   * TTL node's stat with an ephemeral owner of 0, like a plain node's. Setting its (unchanged)
   * ACL bumps the stat's ACL version, which libkv's plain nodes keep at 0.
   */
  private void markExpiring(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    try {
      zk.setACL(path, acl, 0);
    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
      // already gone or changed: nothing to mark
    }
  }

  /** Whether a node is not a plain key: an ephemeral node, or a TTL node libkv marked. */
  private static boolean notPlain(Stat s) {
    return s.getEphemeralOwner() != 0 || s.getAversion() > 0;
  }

  /** Creates a key's node, making its implicit parents first if they are missing. */
  private Stat createWithParents(ZooKeeper zk, String key, String path, byte[] value, WriteOptions o)
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

  private InvalidKeyException ephemeralParent(String key, Exception cause) {
    return new InvalidKeyException("a parent of this key is an ephemeral key, and ZooKeeper's ephemeral nodes cannot "
        + "have children", key, description(), cause);
  }

  private KVException ephemeralWithChildren(String key, Exception cause) {
    return new InvalidKeyException("this key has keys below it, so it cannot become an ephemeral or expiring key: "
        + "ZooKeeper keeps the kind of a node for its life and ephemeral nodes cannot have children", key, description(),
        cause);
  }

  /**
   * Replaces an existing node of another kind (plain, ephemeral, TTL) by one of the wanted kind,
   * atomically: delete at its version and create, in one multi-op.
   *
   * @return the new node's stat, or null if the node changed meanwhile (retry)
   */
  private Stat replace(ZooKeeper zk, String key, String path, int version, byte[] value, WriteOptions o)
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
   * growing for compare-and-set) rather than replace it (delete + create in one multi-op, needed
   * to change a node's kind: plain, ephemeral, TTL).
   */
  private boolean updatableInPlace(Stat s, WriteOptions o) {
    if (o.isEphemeral()) {
      return s.getEphemeralOwner() == sessionId;
    }
    if (o.isExpiring()) {
      return false; // the TTL asked for may differ from the node's, which clients cannot read
    }
    // a node with children cannot be replaced; it is no ephemeral (those have none) and a TTL
    // node is never swept while it has children
    return !notPlain(s) || s.getNumChildren() > 0;
  }

  // ---- the contract

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    checkUserKey(key);
    String path = path(key);
    write(key, zk -> {
      while (true) {
        try {
          createWithParents(zk, key, path, value, options);
          return null;
        } catch (KeeperException.NodeExistsException e) {
          // an existing key, or an implicit parent becoming a key
        }
        if (!options.isEphemeral() && !options.isExpiring()) {
          // set in place (versions keep growing, so compare-and-set stays sound); an ephemeral or
          // expiring node found so is then replaced by a plain one
          Stat st;
          try {
            st = zk.setData(path, value, -1);
          } catch (KeeperException.NoNodeException e) {
            continue;
          }
          if (!notPlain(st) || st.getNumChildren() > 0) {
            return null;
          }
          try {
            zk.multi(List.of(Op.delete(path, st.getVersion()), createOp(path, value, options)));
            return null;
          } catch (KeeperException.NoNodeException | KeeperException.BadVersionException
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
            return null;
          } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            continue;
          }
        }
        if (s.getNumChildren() > 0) {
          throw ephemeralWithChildren(key, null);
        }
        if (replace(zk, key, path, s.getVersion(), value, options) != null) {
          return null;
        }
      }
    });
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    for (String k : entries.keySet()) {
      checkUserKey(k);
    }
    long bytes = 0;
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      bytes += e.getValue().length + Keys.utf8Length(e.getKey()) + root.length() + 64;
    }
    if (entries.size() > 1000 || bytes > DEFAULT_JUTE_MAXBUFFER / 2) {
      // over one request's packet limit: not atomic, documented
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        doPut(e.getKey(), e.getValue(), WriteOptions.DEFAULT);
      }
      return;
    }
    write(null, zk -> {
      for (int attempt = 0; ; attempt++) {
        // read what exists (pipelined), then apply all in one multi-op; retry if anything moved
        List<String> keys = new ArrayList<>(entries.keySet());
        List<CompletableFuture<Stat>> stats = new ArrayList<>();
        for (String k : keys) {
          CompletableFuture<Stat> f = new CompletableFuture<>();
          zk.exists(path(k), false, (rc, p, ctx, stat) -> f.complete(rc == 0 ? stat : null), null);
          stats.add(f);
        }
        List<Op> ops = new ArrayList<>();
        java.util.Set<String> parents = new java.util.TreeSet<>();
        for (int i = 0; i < keys.size(); i++) {
          String path = path(keys.get(i));
          Stat s = await(stats.get(i), keys.get(i));
          byte[] v = entries.get(keys.get(i));
          if (s == null) {
            ops.add(createOp(path, v, WriteOptions.DEFAULT));
            for (String p = parentOf(path); !p.equals("/") && !p.equals(root) && parents.add(p); p = parentOf(p)) {
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
          return null;
        } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException
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

  private <T> T await(CompletableFuture<T> f, String key) throws InterruptedException {
    try {
      return f.get(opTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof KVException) {
        throw (KVException) c;
      }
      throw new KVException("ZooKeeper call failed [store " + description() + "]", c);
    } catch (TimeoutException e) {
      throw errors.unavailable("no answer within " + Durations.format(opTimeout), key, e);
    }
  }

  @Override
  protected KVPair doGet(String key) {
    checkUserKey(key);
    KVPair p = read(key, zk -> readPair(zk, key));
    if (p == null) {
      throw new KeyNotFoundException("key not found", key, description(), null);
    }
    return p;
  }

  /** The key's pair, or null when absent or an implicit parent. */
  KVPair readPair(ZooKeeper zk, String key) throws KeeperException, InterruptedException {
    Stat s = new Stat();
    try {
      byte[] data = zk.getData(path(key), false, s);
      return data == null ? null : KVPair.ofOwned(key, data, s.getMzxid());
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  @Override
  protected boolean doExists(String key) {
    checkUserKey(key);
    // exists() cannot tell null data from an empty value: read it
    return read(key, zk -> readPair(zk, key)) != null;
  }

  @Override
  protected void doDelete(String key) {
    checkUserKey(key);
    String path = path(key);
    write(key, zk -> {
      while (true) {
        try {
          zk.delete(path, -1);
          return null;
        } catch (KeeperException.NoNodeException e) {
          return null;
        } catch (KeeperException.NotEmptyException e) {
          // keys lie below: the key becomes an implicit parent again
        }
        Stat s = new Stat();
        byte[] data;
        try {
          data = zk.getData(path, false, s);
        } catch (KeeperException.NoNodeException e) {
          return null;
        }
        if (data == null) {
          return null;
        }
        try {
          zk.setData(path, null, s.getVersion());
          return null;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
          // changed meanwhile: look again
        }
      }
    });
  }

  /** A listing: the pairs below a directory and the nodes seen. */
  static final class Listing {
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
  Listing listing(ZooKeeper zk, String dir, boolean withValues) throws KeeperException, InterruptedException {
    return listing(zk, dir, withValues, null);
  }

  /**
   * A listing, which tells whether a change fell between its reads ({@link Listing#torn}).
   *
   * <p>Why an untorn listing is one moment's state: {@code at} is the newest zxid the handle had
   * seen once the directory was read, so every later read is served at state {@code at} or newer.
   * A node read then whose mzxid and pzxid are both at most {@code at} had the same data and the
   * same children at {@code at} (a zxid only grows, and a child's creation or deletion moves its
   * parent's pzxid). A node listed by its parent but gone when read changed after {@code at}. The
   * directory itself, read before {@code at}, is checked unchanged by its stat in the children
   * answer. So if no read shows a newer zxid or a node gone, the listing is the state at {@code at},
   * proved from the stats the reads return anyway: no extra round trip.
   *
   * <p>A retry ({@code known}: the previous attempt) does not walk level by level: it takes {@code
   * at} first and sends every read the previous attempt made at once, so the state has one round
   * trip, not one per level, to change under it; only nodes new since then cost more reads.
   */
  Listing listing(ZooKeeper zk, String dir, boolean withValues, Listing known)
      throws KeeperException, InterruptedException {
    Listing out = new Listing();
    String dirPath = path(dir);
    Stat ds;
    List<String> level = new ArrayList<>();
    long at;
    // reads sent ahead (a retry's): node path -> {children, stat} / {data, stat}
    Map<String, CompletableFuture<Object[]>> childrenSent = new HashMap<>();
    Map<String, CompletableFuture<Object[]>> dataSent = new HashMap<>();
    Object[] dr;
    long seen = ZxidZooKeeper.lastZxid(zk); // 0 on a handle that has had no answer yet: walk then
    if (known != null && seen > 0) {
      at = seen;
      CompletableFuture<Object[]> dirRead = readEach(zk, List.of(dirPath), true).get(0);
      for (String p : known.parents) {
        childrenSent.put(p, children(zk, p));
      }
      List<CompletableFuture<Object[]>> datas = withValues && multiRead
          ? readBatched(zk, known.nodes) : readEach(zk, known.nodes, withValues);
      for (int i = 0; i < known.nodes.size(); i++) {
        dataSent.put(known.nodes.get(i), datas.get(i));
      }
      dr = awaitZk(dirRead, dirPath);
      if (dr == null) {
        out.torn = true; // gone since the last attempt, maybe after at: the next attempt walks anew
        return out;
      }
      ds = (Stat) dr[1];
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
        dr = new Object[] {zk.getData(dirPath, false, ds), ds};
      } catch (KeeperException.NoNodeException e) {
        out.index = ancestorIndex(zk, dirPath);
        out.maxZxid = out.index;
        return out;
      }
      at = ZxidZooKeeper.lastZxid(zk);
    }
    at = Math.max(at, Math.max(ds.getMzxid(), ds.getPzxid()));
    out.dirExists = true;
    out.dirIsKey = dr[0] != null && !dir.isEmpty();
    out.index = Math.max(ds.getMzxid(), ds.getPzxid());
    out.maxZxid = out.index;
    if (ds.getNumChildren() > 0) {
      level.add(dirPath);
    }
    while (!level.isEmpty()) {
      List<CompletableFuture<Object[]>> kids = new ArrayList<>(level.size());
      for (String p : level) {
        CompletableFuture<Object[]> ahead = childrenSent.get(p);
        kids.add(ahead != null ? ahead : children(zk, p));
      }
      List<String> childPaths = new ArrayList<>();
      for (int i = 0; i < level.size(); i++) {
        String parent = level.get(i);
        Object[] r = awaitZk(kids.get(i), parent);
        if (r == null) {
          out.torn = true; // deleted since its parent (or, for the directory, its data) was read
          continue;
        }
        out.parents.add(parent);
        Stat ps = (Stat) r[1];
        if (ps.getMzxid() > at || ps.getPzxid() > at
            || parent.equals(dirPath) && (ps.getCzxid() != ds.getCzxid() || ps.getMzxid() != ds.getMzxid())) {
          out.torn = true;
        }
        @SuppressWarnings("unchecked")
        List<String> children = (List<String>) r[0];
        for (String c : children) {
          String cp = parent.equals("/") ? "/" + c : parent + "/" + c;
          String k = keyOf(cp);
          if (k == null || hidden(k)) {
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
      List<CompletableFuture<Object[]>> datas = withValues && multiRead
          ? readBatched(zk, unread) : readEach(zk, unread, withValues);
      for (int i = 0; i < unread.size(); i++) {
        dataSent.put(unread.get(i), datas.get(i));
      }
      List<String> next = new ArrayList<>();
      for (int i = 0; i < childPaths.size(); i++) {
        Object[] r = awaitZk(dataSent.get(childPaths.get(i)), childPaths.get(i));
        if (r == null) {
          out.torn = true; // deleted meanwhile
          continue;
        }
        String cp = childPaths.get(i);
        Stat s = (Stat) r[1];
        if (s.getMzxid() > at || s.getPzxid() > at) {
          out.torn = true;
        }
        out.maxZxid = Math.max(out.maxZxid, Math.max(s.getMzxid(), s.getPzxid()));
        out.nodes.add(cp);
        if (r[0] != null) {
          String k = keyOf(cp);
          out.pairs.put(k, KVPair.ofOwned(k, (byte[]) r[0], s.getMzxid()));
        }
        if (s.getNumChildren() > 0) {
          next.add(cp);
        }
      }
      level = next;
    }
    return out;
  }

  /** Reads a node's children and stat: {children, stat}, or null for a node gone meanwhile. */
  private static CompletableFuture<Object[]> children(ZooKeeper zk, String path) {
    CompletableFuture<Object[]> f = new CompletableFuture<>();
    zk.getChildren(path, false, (rc, p, ctx, children, stat) -> {
      if (rc == KeeperException.Code.NONODE.intValue()) {
        f.complete(null);
      } else if (rc != 0) {
        f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), p));
      } else {
        f.complete(new Object[] {children, stat});
      }
    }, null);
    return f;
  }

  /** Whether the servers take read-only multi-ops (3.6+); cleared for good on the first refusal. */
  private volatile boolean multiRead = true;

  /** One read per node, all in flight at once: {data, stat}, or null for a node gone meanwhile. */
  private static List<CompletableFuture<Object[]>> readEach(ZooKeeper zk, List<String> paths, boolean withValues) {
    List<CompletableFuture<Object[]>> out = new ArrayList<>(paths.size());
    for (String cp : paths) {
      CompletableFuture<Object[]> f = new CompletableFuture<>();
      if (withValues) {
        zk.getData(cp, false, (rc, path, ctx, data, stat) -> complete(f, rc, path, data, stat), null);
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
  private List<CompletableFuture<Object[]>> readBatched(ZooKeeper zk, List<String> paths)
      throws KeeperException, InterruptedException {
    List<CompletableFuture<Object[]>> out = new ArrayList<>(paths.size());
    List<CompletableFuture<List<OpResult>>> batches = new ArrayList<>();
    List<int[]> spans = new ArrayList<>();
    int from = 0;
    while (from < paths.size()) {
      long budget = LIST_REPLY_BYTES / 2;
      int to = from;
      List<Op> ops = new ArrayList<>();
      while (to < paths.size()) {
        long worst = maxValueBytes + 3L * paths.get(to).length() + 256; // value, stat, path, headers
        if (!ops.isEmpty() && worst > budget) {
          break;
        }
        budget -= worst;
        ops.add(Op.getData(paths.get(to)));
        to++;
      }
      CompletableFuture<List<OpResult>> f = new CompletableFuture<>();
      zk.multi(ops, (rc, path, ctx, results) -> {
        if (rc == 0 || results != null && !results.isEmpty()) {
          f.complete(results);
        } else {
          f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
        }
      }, null);
      batches.add(f);
      spans.add(new int[] {from, to});
      from = to;
    }
    for (int b = 0; b < batches.size(); b++) {
      List<OpResult> results;
      try {
        results = awaitZk(batches.get(b), paths.get(spans.get(b)[0]));
      } catch (KeeperException.UnimplementedException | KeeperException.MarshallingErrorException e) {
        multiRead = false; // a server before 3.6
        LOG.log(System.Logger.Level.INFO, () -> "store " + description()
            + ": the servers refuse read-only multi-ops (before ZooKeeper 3.6); lists read one node at a time");
        return readEach(zk, paths, true);
      }
      if (results.size() != spans.get(b)[1] - spans.get(b)[0]) {
        throw new KVException("a multi-read of " + (spans.get(b)[1] - spans.get(b)[0]) + " nodes returned "
            + results.size() + " results [store " + description() + "]", null);
      }
      for (OpResult r : results) {
        CompletableFuture<Object[]> f = new CompletableFuture<>();
        if (r instanceof OpResult.GetDataResult d) {
          f.complete(new Object[] {d.getData(), d.getStat()});
        } else if (r instanceof OpResult.ErrorResult err) {
          complete(f, err.getErr(), paths.get(out.size()), null, null); // NONODE: deleted meanwhile
        } else {
          f.completeExceptionally(new KVException("unexpected multi-read result " + r + " [store " + description()
              + "]", null));
        }
        out.add(f);
      }
    }
    return out;
  }

  private static void complete(CompletableFuture<Object[]> f, int rc, String path, byte[] data, Stat stat) {
    if (rc == 0) {
      f.complete(new Object[] {data, stat});
    } else if (rc == KeeperException.Code.NONODE.intValue()) {
      f.complete(null);
    } else {
      f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
    }
  }

  private <T> T awaitZk(CompletableFuture<T> f, String path) throws KeeperException, InterruptedException {
    try {
      return f.get(opTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KeeperException) {
        throw (KeeperException) e.getCause();
      }
      throw new KVException("ZooKeeper call failed [store " + description() + "]", e.getCause());
    } catch (TimeoutException e) {
      throw KeeperException.create(KeeperException.Code.OPERATIONTIMEOUT, path);
    }
  }

  /** The pzxid of the nearest existing ancestor of {@code path}: at least the zxid of any change below it. */
  long ancestorIndex(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    for (String p = parentOf(path); ; p = parentOf(p)) {
      Stat s = zk.exists(p, false);
      if (s != null) {
        return Math.max(1, Math.max(s.getPzxid(), s.getMzxid()));
      }
      if (p.equals("/")) {
        return 1;
      }
    }
  }

  @Override
  protected List<KVPair> doList(String dir) {
    if (!dir.isEmpty()) {
      checkUserKey(dir);
    }
    Listing l = snapshotListing(dir);
    if (l.pairs.isEmpty() && !l.dirIsKey && !dir.isEmpty()) {
      // neither the directory is a key nor is any key below it (an implicit parent left empty counts as absent)
      throw new KeyNotFoundException("directory not found", dir, description(), null);
    }
    return new ArrayList<>(l.pairs.values());
  }

  /**
   * A listing that shows the directory as it was at one moment: read again while a change falls
   * between its reads, at least {@link #LIST_ATTEMPTS} times and for the operation timeout (each
   * retry starts from a newer zxid, so
   * only a change during that retry makes it fail again).
   */
  private Listing snapshotListing(String dir) {
    Listing previous = null;
    long began = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      Listing known = previous != null && previous.dirExists ? previous : null;
      Listing l = read(dir, zk -> listing(zk, dir, true, known));
      if (!l.torn) {
        return l;
      }
      previous = l;
      if (attempt >= LIST_ATTEMPTS && System.nanoTime() - began >= opTimeout.toNanos()) {
        throw errors.listingChanged("the directory changed during each of " + attempt
            + " attempts to read it at one moment (for " + Durations.format(opTimeout) + ")", dir);
      }
    }
  }

  @Override
  protected void doDeleteTree(String dir) {
    checkUserKey(dir);
    String dirPath = path(dir);
    write(dir, zk -> {
      for (int attempt = 0; ; attempt++) {
        Listing l = listing(zk, dir, false);
        if (!l.dirExists) {
          return null;
        }
        List<Op> ops = new ArrayList<>(l.nodes.size() + 1);
        // children before parents: the listing is breadth-first, so reversed it is deepest first
        for (int i = l.nodes.size() - 1; i >= 0; i--) {
          ops.add(Op.delete(l.nodes.get(i), -1));
        }
        ops.add(Op.delete(dirPath, -1));
        long bytes = 0;
        for (Op op : ops) {
          bytes += op.getPath().length() * 3L + 16;
        }
        try {
          if (bytes < DEFAULT_JUTE_MAXBUFFER / 2) {
            zk.multi(ops); // atomic
          } else {
            // too big for one request: deepest first, in chunks (not atomic, documented)
            for (int i = 0; i < ops.size(); i += 1000) {
              zk.multi(ops.subList(i, Math.min(ops.size(), i + 1000)));
            }
          }
          return null;
        } catch (KeeperException.NotEmptyException | KeeperException.NoNodeException e) {
          // a concurrent writer added or removed something: list again
          if (attempt >= 10) {
            throw e;
          }
        }
      }
    });
  }

  @Override
  protected KVPair doAtomicPut(String key, byte[] value, KVPair previous, WriteOptions options) {
    checkUserKey(key);
    String path = path(key);
    return write(key, zk -> {
      if (previous == null) {
        while (true) {
          try {
            return KVPair.of(key, value, createWithParents(zk, key, path, value, options).getMzxid());
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
            throw new KeyExistsException("key exists (create-only write)", key, description(), null);
          }
          if (options.isEphemeral() || options.isExpiring()) {
            throw ephemeralWithChildren(key, null);
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
        throw new KeyNotFoundException("key not found (compare-and-set)", key, description(), null);
      }
      if (s.getMzxid() != previous.lastIndex()) {
        throw modified(key, s.getMzxid(), previous);
      }
      Stat done;
      if (updatableInPlace(s, options)) {
        try {
          done = zk.setData(path, value, s.getVersion());
        } catch (KeeperException.BadVersionException e) {
          throw modified(key, -1, previous);
        } catch (KeeperException.NoNodeException e) {
          throw new KeyNotFoundException("key not found (compare-and-set)", key, description(), e);
        }
      } else {
        if (s.getNumChildren() > 0) {
          throw ephemeralWithChildren(key, null);
        }
        done = replace(zk, key, path, s.getVersion(), value, options);
        if (done == null) {
          throw modified(key, -1, previous);
        }
      }
      return KVPair.of(key, value, done.getMzxid());
    });
  }

  /**
   * Reads a node for a compare against {@code previous}: its data (null when it is missing or an
   * implicit parent), its stat into {@code s}. The member may not yet have applied the write
   * {@code previous} came from, acknowledged to another client by another member: the node then
   * looks older than the pair (an mzxid below its index) or missing (and its nearest ancestor shows
   * no change since the pair either). Such a view proves nothing. A follower catches up through
   * {@code sync}; the leader answers a sync at once, so if the view is still older the member is
   * made to apply every earlier commit ({@link #applyEarlierCommits}), the pair's among them, and
   * the view read after that is decisive.
   */
  private byte[] readForCompare(ZooKeeper zk, String path, Stat s, KVPair previous)
      throws KeeperException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      byte[] data;
      long applied;
      try {
        data = zk.getData(path, false, s);
        applied = s.getMzxid();
      } catch (KeeperException.NoNodeException e) {
        data = null;
        applied = ancestorIndex(zk, path);
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
    return new KeyModifiedException("key was modified: index is " + (now < 0 ? "newer" : Long.toString(now))
        + ", expected " + previous.lastIndex(), key, description(), null);
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    checkUserKey(key);
    String path = path(key);
    write(key, zk -> {
      Stat s = new Stat();
      byte[] data = readForCompare(zk, path, s, previous);
      if (data == null) {
        throw new KeyNotFoundException("key not found (compare-and-delete)", key, description(), null);
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
        throw new KeyNotFoundException("key not found (compare-and-delete)", key, description(), e);
      }
      return null;
    });
  }

  // ---- watches: persistent recursive watches, fanned out through the hub

  @Override
  public Map<String, Integer> watchResources() {
    int server;
    synchronized (registrations) {
      server = registrations.values().stream().mapToInt(Integer::intValue).sum();
    }
    return Map.of("watchers in the store's hub", hub.watcherCount(), "holders of server watches", server);
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    checkUserKey(key);
    String path = path(key);
    WatchHub.KeyWatcher w = hub.attachKey(key, channel);
    register(path, channel);
    // attached and watching first, then read: nothing falls between
    Object[] r = read(key, zk -> readKeyState(zk, key));
    if (options.startIndex().isPresent()) {
      // ZooKeeper keeps no history, but a key has one state: nothing since the index, or its
      // latest state (intermediate changes coalesced, as every watch here may)
      long from = options.startIndex().getAsLong();
      KVPair current = (KVPair) r[0];
      long index = (Long) r[1];
      List<WatchHub.Change> since;
      if (current != null) {
        since = current.lastIndex() > from ? List.of(WatchHub.Change.put(current)) : List.of();
      } else {
        since = index > from ? List.of(WatchHub.Change.delete(key, index)) : List.of();
      }
      w.startResumed(since, from, Math.max(from, index));
    } else {
      w.start((KVPair) r[0], (Long) r[1]);
    }
  }

  private Object[] readKeyState(ZooKeeper zk, String key) throws KeeperException, InterruptedException {
    KVPair p = readPair(zk, key);
    long index = p != null ? p.lastIndex() : ancestorIndexOrSelf(zk, path(key));
    return new Object[] {p, index};
  }

  /** For an absent key: the node's own stat if it is an implicit parent, else the nearest ancestor's. */
  private long ancestorIndexOrSelf(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    Stat s = zk.exists(path, false);
    if (s != null) {
      return Math.max(s.getMzxid(), s.getPzxid());
    }
    return ancestorIndex(zk, path);
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    if (!dir.isEmpty()) {
      checkUserKey(dir);
    }
    WatchHub.TreeWatcher w = hub.attachTree(dir, channel);
    register(path(dir), channel);
    Listing l = read(dir, zk -> listing(zk, dir, true));
    if (options.startIndex().isPresent()) {
      long from = options.startIndex().getAsLong();
      if (l.maxZxid <= from) {
        // nothing below changed since (no node's mzxid or pzxid is newer): nothing to deliver
        w.startResumed(new ArrayList<>(l.pairs.values()), List.of(), from, from);
      } else {
        // no history to tell which keys went: re-read (RESYNC)
        read(dir, zk -> {
          resync(zk, w, l);
          return null;
        });
      }
    } else {
      w.start(new ArrayList<>(l.pairs.values()), l.index);
    }
  }

  /**
   * Delivers RESYNC at {@code first}'s newest zxid: the newest index of the tree, so never below one
   * the watch has delivered (its directory node's own zxid can be far older). A listing is no
   * snapshot (a node read early may change before a later node is read), so the pairs come from a
   * second listing begun after the first saw that zxid: each pair is at least that new, and no
   * change the watcher then drops as older than the RESYNC is missing from it.
   */
  private void resync(ZooKeeper zk, WatchHub.TreeWatcher w, Listing first) throws KeeperException, InterruptedException {
    Listing now = listing(zk, w.directory(), true);
    w.restart(EventType.RESYNC, new ArrayList<>(now.pairs.values()), first.maxZxid);
  }

  /** Adds a persistent recursive watch at {@code path} unless one is there; the channel's close removes it. */
  private void register(String path, EventChannel<?> channel) {
    synchronized (registrations) {
      int n = registrations.getOrDefault(path, 0);
      if (n == 0) {
        read(path, zk -> {
          zk.addWatch(path, eventWatcher, AddWatchMode.PERSISTENT_RECURSIVE);
          return null;
        });
      }
      registrations.put(path, n + 1);
    }
    channel.onClose(() -> unregister(path));
  }

  private void unregister(String path) {
    synchronized (registrations) {
      Integer n = registrations.get(path);
      if (n == null) {
        return;
      }
      if (n > 1) {
        registrations.put(path, n - 1);
        return;
      }
      registrations.remove(path);
    }
    if (isClosed()) {
      return;
    }
    try {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      zk.removeWatches(path, eventWatcher, Watcher.WatcherType.Any, !client.getZookeeperClient().isConnected(),
          (rc, p, ctx) -> { }, null);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "could not remove the watch of " + path + ": " + e);
    }
  }

  private void onWatchEvent(WatchedEvent e) {
    if (e.getType() == Watcher.Event.EventType.None || e.getPath() == null) {
      return; // connection states come through Curator's listener
    }
    String key = keyOf(e.getPath());
    if (key == null || hidden(key) || !hub.watches(key)) {
      return;
    }
    pendingEvents.add(new Object[] {key, e.getType()});
    try {
      watchExecutor.execute(this::drainEvents);
    } catch (java.util.concurrent.RejectedExecutionException ignored) {
      // closing
    }
  }

  /**
   * Turns every queued event into a change and publishes them together: the events of one
   * multi-op (a deleteTree, a putAll) arrive back to back, so a tree watch sees them as one event.
   */
  private void drainEvents() {
    List<WatchHub.Change> changes = new ArrayList<>();
    for (Object[] ev = pendingEvents.poll(); ev != null; ev = pendingEvents.poll()) {
      WatchHub.Change c = process((String) ev[0], (Watcher.Event.EventType) ev[1]);
      if (c != null) {
        changes.add(c);
      }
    }
    if (!changes.isEmpty()) {
      hub.publishAll(changes);
    }
  }

  /** Turns one event into a change, reading the node after it: indexes come from stats, never from events. */
  private WatchHub.Change process(String key, Watcher.Event.EventType type) {
    if (isClosed()) {
      return null;
    }
    try {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      String path = path(key);
      Stat s = new Stat();
      byte[] data;
      try {
        data = zk.getData(path, false, s);
      } catch (KeeperException.NoNodeException gone) {
        return deleted(zk, key, path);
      }
      if (data != null) {
        return WatchHub.Change.put(KVPair.ofOwned(key, data, s.getMzxid()));
      } else if (type != Watcher.Event.EventType.NodeCreated) {
        // a key became an implicit parent (deleted with keys below it), or was deleted and its parent remade
        return WatchHub.Change.delete(key, Math.max(s.getMzxid(), s.getPzxid()));
      }
      return null;
    } catch (Exception ex) {
      // a lost connection: the reconnect re-reads every watch (RESYNC)
      LOG.log(System.Logger.Level.DEBUG, "watch read of " + key + " failed: " + ex);
      return null;
    }
  }

  /**
   * The change for a node found deleted. A deleted node has no stat: the index is the nearest
   * ancestor's pzxid, read after the deletion, then the key is checked absent again, so a
   * re-creation racing with that read is a put instead and never hidden behind a larger index.
   */
  private WatchHub.Change deleted(ZooKeeper zk, String key, String path) throws KeeperException, InterruptedException {
    long index = ancestorIndex(zk, path);
    Stat s = new Stat();
    try {
      byte[] data = zk.getData(path, false, s);
      if (data != null) {
        return WatchHub.Change.put(KVPair.ofOwned(key, data, s.getMzxid()));
      }
      index = Math.max(index, Math.max(s.getMzxid(), s.getPzxid()));
    } catch (KeeperException.NoNodeException stillGone) {
      // as expected
    }
    return WatchHub.Change.delete(key, index);
  }

  /** Re-reads every watch and delivers RESYNC; re-adds the server watches first after a new session. */
  private void resyncWatches(boolean newSession) {
    try {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      if (newSession) {
        List<String> paths;
        synchronized (registrations) {
          paths = new ArrayList<>(registrations.keySet());
        }
        for (String p : paths) {
          zk.addWatch(p, eventWatcher, AddWatchMode.PERSISTENT_RECURSIVE);
        }
      }
      for (WatchHub.KeyWatcher w : hub.keyWatchers()) {
        Object[] r = readKeyState(zk, w.key());
        w.restart(EventType.RESYNC, (KVPair) r[0], (Long) r[1]);
      }
      for (WatchHub.TreeWatcher w : hub.treeWatchers()) {
        resync(zk, w, listing(zk, w.directory(), false));
      }
    } catch (Exception e) {
      if (isClosed()) {
        return;
      }
      LOG.log(System.Logger.Level.DEBUG, "watch resync on " + description() + " failed, retrying: " + e);
      // try again once connected: a later RECONNECTED schedules another resync too
      CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS, watchExecutor)
          .execute(() -> resyncWatches(newSession));
    }
  }

  // ---- connection states

  private void onState(org.apache.curator.framework.state.ConnectionState s) {
    switch (s) {
      case CONNECTED:
        fireConnectionState(ConnectionState.CONNECTED);
        break;
      case SUSPENDED:
      case READ_ONLY:
        // the session may survive, but another client may be granted our locks before we know: lost
        markLocksLost(true);
        fireConnectionState(ConnectionState.SUSPENDED);
        break;
      case LOST:
        markLocksLost(false);
        fireConnectionState(ConnectionState.LOST);
        break;
      case RECONNECTED:
        onReconnected();
        fireConnectionState(ConnectionState.RECONNECTED);
        break;
      default:
        break;
    }
  }

  private void markLocksLost(boolean sessionMayLive) {
    for (ZooKeeperLock.Held h : held) {
      if (h.markLost()) {
        h.lostWhileSessionMayLive = sessionMayLive;
      }
    }
  }

  private void onReconnected() {
    long id;
    int timeout;
    try {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      id = zk.getSessionId();
      timeout = zk.getSessionTimeout();
    } catch (Exception e) {
      return;
    }
    boolean newSession = id != sessionId;
    sessionId = id;
    if (newSession && timeout > 0) {
      capabilities = buildCapabilities(timeout);
    }
    // locks declared lost while the session lived on still hold their nodes: free them for others
    for (ZooKeeperLock.Held h : held) {
      if (!h.isHeld()) {
        held.remove(h);
        if (!newSession) {
          watchExecutor.execute(h::cleanUp);
        }
      }
    }
    if (!hub.isEmpty()) {
      watchExecutor.execute(() -> resyncWatches(newSession));
    }
  }

  // ---- what the server last heard of the session: the deadline of this store's locks

  /**
   * The last answer the server gave for a session: when the request it answered was sent, and
   * which unbroken run of answers (each sent within two thirds of the session timeout of the one
   * before) it belongs to. The server expires a session no earlier than its timeout after it last
   * heard from it, so a lock of this session is confirmed until {@code sentAt} plus two thirds of
   * that timeout (the same margin as the client's own disconnect detection and the keep-alives).
   */
  private record Heard(long session, long run, long sentAt) {}

  private io.libkv.TimeSource time() {
    return config.timeSource();
  }

  private long lossAfterNanos() {
    // the negotiated timeout once known; while connecting, no lock exists yet
    Capabilities c = capabilities;
    return (c == null ? config.sessionTimeout() : c.minEphemeralTtl()).toNanos() * 2 / 3;
  }

  /** Whether a result code is the server's answer, not the client's report of a broken connection. */
  private static boolean answered(int rc) {
    KeeperException.Code c = KeeperException.Code.get(rc);
    return c == KeeperException.Code.OK || c == KeeperException.Code.NONODE || c == KeeperException.Code.NODEEXISTS
        || c == KeeperException.Code.BADVERSION || c == KeeperException.Code.NOTEMPTY
        || c == KeeperException.Code.NOCHILDRENFOREPHEMERALS;
  }

  /** The server answered a request of {@code session} that was sent at {@code sentAt}. */
  private void heard(long session, long sentAt) {
    long lossAfter = lossAfterNanos();
    heard.updateAndGet(h -> {
      if (sentAt - h.sentAt() <= 0 && h.session() != 0) {
        return h; // an older request's answer, of this session or one before it
      }
      // a new session, or an answer past the last one's deadline: the locks of the run before are lost
      boolean newRun = session != h.session() || sentAt - h.sentAt() >= lossAfter;
      return new Heard(session, newRun ? h.run() + 1 : h.run(), sentAt);
    });
  }

  /**
   * The deadline of a lock acquired now in {@code session}: the current run of answers' last send
   * time plus two thirds of the session timeout; passed as soon as the run ends.
   */
  io.libkv.spi.LeaseDeadline sessionDeadline(long session) {
    long run = heard.get().run();
    io.libkv.TimeSource time = time();
    return new io.libkv.spi.LeaseDeadline() {
      @Override
      public io.libkv.TimeSource time() {
        return time;
      }

      @Override
      public long confirmedUntil() {
        Heard h = heard.get();
        return h.session() == session && h.run() == run ? h.sentAt() + lossAfterNanos() : time.nanoTime();
      }
    };
  }

  /**
   * A light request every third of the session timeout, so the deadline keeps moving while the
   * connection is fine (the client sends its own pings only when idle, and they are not seen here).
   * Asynchronous: a hung connection costs nothing but the missing answer.
   */
  private void scheduleHeartbeat() {
    if (!isClosed()) {
      heartbeat = time().schedule(this::beat, sessionTimeout().dividedBy(3));
    }
  }

  private void beat() {
    try {
      if (client.getZookeeperClient().isConnected()) {
        ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
        long sent = time().nanoTime();
        zk.exists("/", false, (rc, path, ctx, stat) -> {
          if (answered(rc)) {
            heard(zk.getSessionId(), sent);
          }
        }, null);
      }
    } catch (Exception e) {
      // not connected now: the next beat tries again, the deadline passes meanwhile
    } finally {
      scheduleHeartbeat();
    }
  }

  // ---- locks

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    checkUserKey(key);
    return new ZooKeeperLock(this, key, options.value());
  }

  // ---- fault injection for tests

  /** The session's handle, for tests that kill the session. */
  ZooKeeper currentZooKeeper() {
    return zk(null);
  }

  @Override
  protected void doClose() {
    io.libkv.Subscription beat = heartbeat;
    if (beat != null) {
      beat.close();
    }
    for (ZooKeeperLock.Held h : held) {
      h.markLost();
    }
    held.clear();
    client.getConnectionStateListenable().removeListener(stateListener);
    watchExecutor.shutdownNow();
    // closing the session removes its ephemeral keys and lock nodes at once
    client.close();
  }

  boolean isClosedForLocks() {
    return isClosed();
  }

}
