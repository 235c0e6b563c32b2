package io.libkv.consul.internal;

import io.libkv.CallNotSupportedException;
import io.libkv.Capabilities;
import io.libkv.ConfigurationException;
import io.libkv.ConnectionState;
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
import io.libkv.PermissionDeniedException;
import io.libkv.Secret;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.TimeSource;
import io.libkv.TreeEvent;
import io.libkv.ValueTooLargeException;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.consul.ConsulOptions;
import io.libkv.spi.AbstractStore;
import io.libkv.spi.EventChannel;
import io.libkv.spi.KeepAlive;
import io.libkv.spi.StoreLocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The libkv contract on Consul's HTTP API: reads by {@code GET /v1/kv}, every write by a {@code
 * /v1/txn} transaction (atomic, and its result carries the new ModifyIndex), TTL keys on sessions,
 * watches by one recursive blocking query on the store's prefix (see {@link ConsulWatcher}), locks
 * on a session each (see {@link ConsulLock}).
 */
public final class ConsulStore extends AbstractStore {
  private static final System.Logger LOG = System.getLogger("io.libkv.consul");

  /** Consul's default kv_max_value_size and txn_max_req_len. */
  static final long CONSUL_MAX_VALUE_BYTES = 512 * 1024;

  /**
   * The most operations Consul takes in one transaction (64 up to 1.x; later versions take 128).
   */
  static final int MAX_TXN_OPS = 64;

  private static final AtomicInteger STORES = new AtomicInteger();
  private static final Pattern TTL_RANGE = Pattern.compile("must be between \\[([^=\\]]+)=");

  private final ConsulClient client;

  /** The store's prefix in Consul's key space: "" or "app/". */
  private final String root;

  private final Capabilities capabilities;
  private final long txnLimit;
  private final TimeSource time;
  private final ExecutorService executor;
  private final ConsulWatcher watcher;
  private final ConsulLock.Context lockContext;
  private final Transactions transactions;
  private final Map<Duration, StoreSession> ephemeral = new HashMap<>();

  /**
   * Keys this store bound to a session (ephemeral or expiring): a plain put releases them in one
   * step.
   */
  private final Map<String, String> boundKeys = new ConcurrentHashMap<>();

  private final Set<ConsulLock> locks = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean suspended = new AtomicBoolean();

  /** A session of this store for ephemeral keys of one TTL, kept alive. */
  private static final class StoreSession {
    final String id;

    /** Set right after the session is created. */
    @Nullable KeepAlive keepAlive;

    volatile boolean gone;

    StoreSession(String id) {
      this.id = id;
    }
  }

  private ConsulStore(
      String description,
      StoreLocation loc,
      StoreConfig config,
      ConsulOptions options,
      String root,
      Duration watchWait) {
    super(description);
    this.root = root;
    this.time = config.timeSource();
    Duration floor = options.sessionTtlMin();
    long maxValue = config.maxValueBytes().orElse(CONSUL_MAX_VALUE_BYTES);
    this.txnLimit = Math.max(CONSUL_MAX_VALUE_BYTES, maxValue);
    this.capabilities =
        Capabilities.builder("consul")
            // Consul may take up to twice a session's TTL to invalidate it: an ephemeral ttl(d)
            // uses a
            // session TTL of d/2, which the agent refuses under its session_ttl_min
            .ephemeralTtl(floor.multipliedBy(2), Duration.ofSeconds(1))
            // an expiring ttl(d) is a session of TTL d, never renewed: gone between d and 2d
            .expiringTtl(floor, floor)
            .everyRevisionWatch(false)
            .crossProcessWatch(true)
            .tls(true)
            .auth(true)
            .atomicBatch(false)
            .maxValueBytes(maxValue)
            .transactionLimits(Transactions.limits(root, txnLimit))
            .build();
    int n = STORES.incrementAndGet();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "libkv-consul-" + n);
              t.setDaemon(true);
              return t;
            });
    boolean tls = "consuls".equals(loc.scheme()) || config.tls();
    Tls.Setup setup = tls ? Tls.of(config) : null;
    this.client =
        new ConsulClient(
            HttpClients.get(
                setup == null ? null : setup.context,
                setup == null ? null : setup.identity,
                config.connectTimeout()),
            endpoints(loc, tls),
            tls,
            config.token().map(Secret::reveal).orElse(null),
            options.datacenter().orElse(null),
            config.operationTimeout(),
            description,
            new ConsulClient.Health() {
              @Override
              public void reachable() {
                if (suspended.compareAndSet(true, false)) {
                  fireConnectionState(ConnectionState.RECONNECTED);
                }
              }

              @Override
              public void unreachable() {
                if (suspended.compareAndSet(false, true)) {
                  fireConnectionState(ConnectionState.SUSPENDED);
                }
              }
            });
    Collaborators collaborators = new Collaborators();
    this.watcher = new ConsulWatcher(collaborators, description, client, root, watchWait);
    this.lockContext =
        new ConsulLock.Context(collaborators, openCheck(), description, time, executor, client);
    this.transactions = new Transactions(collaborators, txnLimit);
  }

  /** What the store's watcher and locks do through it: only this, never its fields. */
  private final class Collaborators
      implements ConsulWatcher.Reads, ConsulLock.Host, Transactions.Host {
    @Override
    public ConsulClient.Reply readTree(String fullPrefix, String key) {
      return ConsulStore.this.readTree(fullPrefix, key);
    }

    @Override
    public Map<String, KVPair> pairs(List<Wire.Entry> entries) {
      return ConsulStore.this.pairs(entries);
    }

    @Override
    public KVException failure(ConsulClient.Reply r, @Nullable String key) {
      return ConsulStore.this.failure(r, key);
    }

    @Override
    public String full(String key) {
      return ConsulStore.this.full(key);
    }

    @Override
    public String kvPath(String key) {
      return ConsulStore.this.kvPath(key);
    }

    @Override
    public ConsulClient.Reply read(String key) {
      return ConsulStore.this.read(key);
    }

    @Override
    public Wire.TxnResult txn(Wire.Txn t, @Nullable String key) {
      return ConsulStore.this.txn(t, key);
    }

    @Override
    public String createSession(
        Duration ttl, String behavior, Duration lockDelay, String name, @Nullable String key) {
      return ConsulStore.this.createSession(ttl, behavior, lockDelay, name, key);
    }

    @Override
    public boolean renewSession(String id) {
      return ConsulStore.this.renewSession(id);
    }

    @Override
    public void destroyQuietly(String id) {
      ConsulStore.this.destroyQuietly(id);
    }

    @Override
    public void register(ConsulLock lock) {
      locks.add(lock);
    }

    @Override
    public void unregister(ConsulLock lock) {
      locks.remove(lock);
    }

    @Override
    public long listIndex(String fullPrefix, String key) {
      ConsulClient.Reply r =
          client.call(
              "GET",
              "/v1/kv/" + ConsulClient.encodePath(fullPrefix),
              "keys&separator=/",
              null,
              true,
              key);
      if (r.status != 200 && r.status != 404) {
        throw failure(r, key);
      }
      return r.index;
    }

    @Override
    public String ephemeralSession(Duration ttl) {
      return ConsulStore.this.ephemeralSession(ttl).id;
    }

    @Override
    public void ephemeralSessionGone(String id) {
      synchronized (ephemeral) {
        for (StoreSession s : new ArrayList<>(ephemeral.values())) {
          if (s.id.equals(id)) {
            dropEphemeral(s);
          }
        }
      }
    }

    @Override
    public String expiringSession(Duration ttl, String key) {
      return createSession(ttl, "delete", Duration.ZERO, "libkv expiring key", key);
    }

    @Override
    public Map<String, String> boundKeys() {
      return boundKeys;
    }

    @Override
    public long releaseFromSession(String key, byte[] value, Wire.Entry written) {
      return ConsulStore.this.releaseFromSession(key, value, written);
    }

    @Override
    public Wire.@Nullable Entry entry(String key) {
      return ConsulStore.this.entry(key);
    }

    @Override
    public KVException unexpected(Wire.TxnResult r, @Nullable String key) {
      return ConsulStore.this.unexpected(r, key);
    }

    @Override
    public String description() {
      return ConsulStore.this.description();
    }

    @Override
    public java.util.function.Consumer<io.libkv.KeepAliveEvent> keepAliveReports() {
      return keepAliveReporter();
    }

    @Override
    public void lockLost() {
      // a lock's session is gone: its holder lost it
      fireConnectionState(ConnectionState.LOST);
    }
  }

  private static List<String> endpoints(StoreLocation loc, boolean tls) {
    List<String> out = new ArrayList<>();
    for (String e : loc.endpoints()) {
      boolean hasPort = e.startsWith("[") ? e.contains("]:") : e.contains(":");
      out.add(hasPort ? e : e + (tls ? ":8501" : ":8500"));
    }
    return out;
  }

  /**
   * Opens a store and checks that an agent answers.
   *
   * @throws StoreUnavailableException if no endpoint answers within the timeouts
   */
  public static ConsulStore open(
      StoreLocation loc, StoreConfig config, ConsulOptions options, Duration watchWait) {
    if (loc.endpoints().isEmpty()) {
      throw new ConfigurationException(
          "consul: needs at least one agent endpoint: consul://HOST:PORT[,HOST:PORT...][/prefix]");
    }
    String prefix;
    try {
      String fromUri = Keys.canonicalDirectory(loc.path());
      if (!fromUri.isEmpty() && !config.prefix().isEmpty() && !fromUri.equals(config.prefix())) {
        throw new ConfigurationException(
            "consul: two prefixes given: "
                + fromUri
                + " in the URI and "
                + config.prefix()
                + " in the configuration");
      }
      prefix = fromUri.isEmpty() ? config.prefix() : fromUri;
    } catch (InvalidKeyException e) {
      throw new ConfigurationException(
          "consul: invalid prefix \"" + loc.path() + "\": " + e.getMessage());
    }
    String root = prefix.isEmpty() ? "" : prefix + "/";
    String description = StoreLocation.of(loc.scheme(), loc.endpoints(), prefix).describe();
    ConsulStore s = new ConsulStore(description, loc, config, options, root, watchWait);
    try {
      s.probe();
    } catch (RuntimeException e) {
      s.executor.shutdownNow();
      throw e;
    }
    return s;
  }

  private void probe() {
    ConsulClient.Reply r = client.call("GET", "/v1/status/leader", null, null, true, null);
    if (r.status != 200) {
      throw failure(r, null);
    }
    if (r.text().equals("\"\"")) {
      throw new StoreUnavailableException(
          "the Consul agent knows no cluster leader",
          null,
          description(),
          client.endpoints(),
          null);
    }
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  ConsulClient client() {
    return client;
  }

  private String full(String key) {
    return root + key;
  }

  private String kvPath(String key) {
    return "/v1/kv/" + ConsulClient.encodePath(root + key);
  }

  // ---- answers and failures

  /** The exception for an answer that is not what the operation expects. */
  private KVException failure(ConsulClient.Reply r, @Nullable String key) {
    String text = r.text();
    switch (r.status) {
      case 403:
        return new PermissionDeniedException(
            "Consul refused the request: "
                + text
                + " (check the ACL token: tokenFile or StoreConfig.token)",
            key,
            description(),
            null);
      case 413:
        {
          Matcher m = Pattern.compile("max size: (\\d+)").matcher(text);
          Matcher m2 = Pattern.compile("\\((\\d+) > (\\d+) bytes\\)").matcher(text);
          long limit =
              m.find() ? Long.parseLong(m.group(1)) : m2.find() ? Long.parseLong(m2.group(2)) : -1;
          return new ValueTooLargeException(key, description(), -1, limit);
        }
      default:
        if (r.status >= 500
            && (text.contains("No cluster leader")
                || text.contains("rpc error")
                || text.contains("leadership lost"))) {
          return new StoreUnavailableException(
              "Consul answered " + r.status + ": " + text,
              key,
              description(),
              client.endpoints(),
              null);
        }
        return new KVException(
            "Consul answered " + r.status + ": " + text, key, description(), null);
    }
  }

  private KVPair pair(String key, Wire.Entry e) {
    return KVPair.ofOwned(key, e.value, e.modifyIndex);
  }

  /**
   * The user key of a full Consul key below the store's root, or null if it is none of the user's.
   */
  private @Nullable String userKey(String full) {
    if (!full.startsWith(root)) {
      return null;
    }
    String k = full.substring(root.length());
    if (k.isEmpty() || k.endsWith("/") || k.startsWith("/") || k.contains("//")) {
      return null; // "dir/" folder markers written by other tools are implicit directories, not
      // keys
    }
    if (Keys.isReserved(k)) {
      return null;
    }
    return k;
  }

  /** The pairs of a recursive listing, by user key. */
  private Map<String, KVPair> pairs(List<Wire.Entry> entries) {
    Map<String, KVPair> out = new HashMap<>(entries.size() * 2);
    for (Wire.Entry e : entries) {
      String k = userKey(e.key);
      if (k != null) {
        out.put(k, pair(k, e));
      }
    }
    return out;
  }

  // ---- reads

  /** A non-blocking read of one key (200 with the entry, or 404), with its X-Consul-Index. */
  private ConsulClient.Reply read(String key) {
    ConsulClient.Reply r = client.call("GET", kvPath(key), null, null, true, key);
    if (r.status != 200 && r.status != 404) {
      throw failure(r, key);
    }
    if (r.status == 404) {
      watcher.observe(r.index); // the table index of a missing key never goes below the watch's
    }
    return r;
  }

  private Wire.@Nullable Entry entry(String key) {
    ConsulClient.Reply r = read(key);
    return r.status == 404 ? null : Wire.entries(r.body).get(0);
  }

  /** A non-blocking recursive read below a full prefix (404 counts as empty). */
  private ConsulClient.Reply readTree(String fullPrefix, String key) {
    ConsulClient.Reply r =
        client.call(
            "GET", "/v1/kv/" + ConsulClient.encodePath(fullPrefix), "recurse", null, true, key);
    if (r.status != 200 && r.status != 404) {
      throw failure(r, key);
    }
    return r;
  }

  @Override
  protected KVPair doGet(String key) {
    Wire.Entry e = entry(key);
    if (e == null) {
      throw new KeyNotFoundException("key not found", key, description(), null);
    }
    return pair(key, e);
  }

  @Override
  protected boolean doExists(String key) {
    return read(key).status == 200;
  }

  @Override
  protected List<KVPair> doList(String dir) {
    // Consul matches raw prefixes: list "dir/" so that "dir" never lists "dirt"
    ConsulClient.Reply r = readTree(root + (dir.isEmpty() ? "" : dir + "/"), dir);
    TreeMap<String, KVPair> sorted = new TreeMap<>(Keys.UTF8_ORDER);
    if (r.status == 200) {
      sorted.putAll(pairs(Wire.entries(r.body)));
    }
    if (sorted.isEmpty() && !dir.isEmpty() && read(dir).status == 404) {
      throw new KeyNotFoundException("directory not found", dir, description(), null);
    }
    return new ArrayList<>(sorted.values());
  }

  // ---- transactions

  private Wire.TxnResult txn(Wire.Txn t, @Nullable String key) {
    ConsulClient.Reply r = client.call("PUT", "/v1/txn", null, t.bytes(), false, key);
    if (r.status == 200 || r.status == 409) {
      Wire.TxnResult result = Wire.txnResult(r.body);
      long max = 0;
      for (Wire.Entry e : result.results) {
        max = Math.max(max, e.modifyIndex);
      }
      watcher.observe(max); // a write's index below the watch's: the agent's history restarted
      return result;
    }
    throw failure(r, key);
  }

  /** Whether a value fits a transaction body (base64 in JSON) under the agent's request limit. */
  private boolean fitsTxn(String key, byte[] value) {
    long est = (value.length + 2L) / 3 * 4 + Keys.utf8Length(key) * 6L + 200;
    return est <= txnLimit;
  }

  private KVException unexpected(Wire.TxnResult r, @Nullable String key) {
    String what = r.describe();
    if (what.contains("lock delay")) {
      return new KVException(
          "Consul refused the write: the key is in its lock-delay after a lock holder's "
              + "session ended ("
              + what
              + ")",
          key,
          description(),
          null);
    }
    return new KVException("Consul rolled the transaction back: " + what, key, description(), null);
  }

  /** Why a transaction's check-index failed: the key is gone, or it changed. */
  private KVException compareFailure(String key, long expected) {
    Wire.Entry now = entry(key);
    if (now == null) {
      return new KeyNotFoundException("key not found (compare-and-set)", key, description(), null);
    }
    return new KeyModifiedException(
        "key was modified: index is " + now.modifyIndex + ", expected " + expected,
        key,
        description(),
        null);
  }

  // ---- writes

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    if (!fitsTxn(key, value)) {
      putLarge(key, value, options);
      return;
    }
    if (options.isEphemeral()) {
      writeEphemeral(key, value, options.ttl().orElseThrow(), NO_CONDITION);
    } else if (options.isExpiring()) {
      writeExpiring(key, value, options.ttl().orElseThrow(), NO_CONDITION);
    } else {
      putPlain(key, value);
    }
  }

  /** A plain write; a key bound to a session is released from it in the same transaction. */
  private long putPlain(String key, byte[] value) {
    String full = full(key);
    String bound = boundKeys.get(key);
    if (bound != null) {
      // unlock sets the value and clears the session in one operation
      Wire.TxnResult r = txn(new Wire.Txn().op("unlock", full, value, Wire.nonce(), 0, bound), key);
      boundKeys.remove(key, bound);
      if (r.ok()) {
        return r.results.get(0).modifyIndex;
      }
    }
    Wire.TxnResult r = txn(new Wire.Txn().op("set", full, value, Wire.nonce(), 0, null), key);
    if (!r.ok()) {
      throw unexpected(r, key);
    }
    Wire.Entry e = r.results.get(0);
    return e.hasSession() ? releaseFromSession(key, value, e) : e.modifyIndex;
  }

  /**
   * A set keeps the key's session (Consul's set never changes it): release a key another store
   * bound, as soon as the set showed it. Returns the index of our write's final form.
   */
  private long releaseFromSession(String key, byte[] value, Wire.Entry written) {
    String full = full(key);
    Wire.Entry e = written;
    for (int attempt = 0; attempt < 8; attempt++) {
      Wire.TxnResult r =
          txn(
              new Wire.Txn()
                  .op("check-index", full, null, 0, e.modifyIndex, null)
                  .op("unlock", full, value, Wire.nonce(), 0, e.session),
              key);
      if (r.ok()) {
        return r.results.get(1).modifyIndex;
      }
      Wire.Entry now = entry(key);
      if (now == null) {
        // the session ended between the two steps and took the key: write it again
        Wire.TxnResult c = txn(new Wire.Txn().op("cas", full, value, Wire.nonce(), 0, null), key);
        if (c.ok()) {
          return c.results.get(0).modifyIndex;
        }
        continue;
      }
      if (now.modifyIndex != e.modifyIndex) {
        return e.modifyIndex; // another write followed ours: ours was applied, and is superseded
      }
      e = now;
    }
    throw new KVException(
        "could not release the key from its session: too much contention",
        key,
        description(),
        null);
  }

  /** Condition of a TTL write: none, create-only, or the index to compare. */
  private static final long NO_CONDITION = -1;

  private static final long CREATE_ONLY = 0;

  private Wire.Entry writeEphemeral(String key, byte[] value, Duration ttl, long cond) {
    for (int attempt = 0; ; attempt++) {
      StoreSession s = ephemeralSession(ttl);
      try {
        return writeWithSession(key, value, s.id, cond);
      } catch (SessionGone g) {
        dropEphemeral(s);
        if (attempt > 0) {
          throw new KVException(
              "the store's session for ephemeral keys was invalidated twice in a row",
              key,
              description(),
              null);
        }
      }
    }
  }

  private Wire.Entry writeExpiring(String key, byte[] value, Duration ttl, long cond) {
    String session = createSession(ttl, "delete", Duration.ZERO, "libkv expiring key", key);
    boolean ok = false;
    try {
      Wire.Entry e = writeWithSession(key, value, session, cond);
      ok = true;
      return e;
    } finally {
      if (!ok) {
        destroyQuietly(session);
      }
    }
  }

  /** The session this write meant is gone (invalidated); the caller makes another. */
  private static final class SessionGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SessionGone() {
      super(null, null, false, false);
    }
  }

  /**
   * Binds the key to a session with its value, in one transaction: {@code lock} acquires it for the
   * session (a key another session holds is first released in the same transaction).
   *
   * @param cond {@link #NO_CONDITION}, {@link #CREATE_ONLY} or the index the key must have
   */
  private Wire.Entry writeWithSession(String key, byte[] value, String session, long cond) {
    String full = full(key);
    String heldBy = null;
    for (int attempt = 0; attempt < 8; attempt++) {
      Wire.Txn t = new Wire.Txn();
      if (cond == CREATE_ONLY) {
        t.op("check-not-exists", full, null, 0, 0, null);
      } else if (cond > 0) {
        t.op("check-index", full, null, 0, cond, null);
      }
      int first = t.size();
      long flags = Wire.nonce();
      if (heldBy != null) {
        t.op("unlock", full, value, flags, 0, heldBy);
      }
      t.op("lock", full, value, flags, 0, session);
      Wire.TxnResult r = txn(t, key);
      if (r.ok()) {
        boundKeys.put(key, session);
        return r.results.get(r.results.size() - 1);
      }
      if (first == 1 && r.failed(0)) {
        if (cond == CREATE_ONLY) {
          throw new KeyExistsException("key exists (create-only write)", key, description(), null);
        }
        throw compareFailure(key, cond);
      }
      if (r.describe().contains("invalid session")) {
        throw new SessionGone();
      }
      if (r.describe().contains("lock delay")) {
        throw unexpected(r, key);
      }
      Wire.Entry now = entry(key);
      heldBy = now != null && now.hasSession() && !now.session.equals(session) ? now.session : null;
    }
    throw new KVException(
        "could not bind the key to its session: too much contention", key, description(), null);
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    List<Map.Entry<String, byte[]>> batch = new ArrayList<>();
    long bytes = 0;
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      if (!fitsTxn(e.getKey(), e.getValue())) {
        putLarge(e.getKey(), e.getValue(), WriteOptions.DEFAULT);
        continue;
      }
      long size = (e.getValue().length + 2L) / 3 * 4 + Keys.utf8Length(e.getKey()) * 6L + 100;
      if (batch.size() == MAX_TXN_OPS || bytes + size > txnLimit) {
        putBatch(batch);
        batch.clear();
        bytes = 0;
      }
      batch.add(e);
      bytes += size;
    }
    if (!batch.isEmpty()) {
      putBatch(batch);
    }
  }

  private void putBatch(List<Map.Entry<String, byte[]>> batch) {
    Wire.Txn t = new Wire.Txn();
    for (Map.Entry<String, byte[]> e : batch) {
      t.op("set", full(e.getKey()), e.getValue(), Wire.nonce(), 0, null);
    }
    Wire.TxnResult r = txn(t, null);
    if (!r.ok()) {
      throw unexpected(r, null);
    }
    for (int i = 0; i < r.results.size(); i++) {
      Wire.Entry e = r.results.get(i);
      if (e.hasSession()) {
        Map.Entry<String, byte[]> in = batch.get(i);
        boundKeys.remove(in.getKey());
        releaseFromSession(in.getKey(), in.getValue(), e);
      }
    }
  }

  @Override
  protected void doDelete(String key) {
    Wire.TxnResult r = txn(new Wire.Txn().op("delete", full(key), null, 0, 0, null), key);
    boundKeys.remove(key);
    if (!r.ok()) {
      throw unexpected(r, key);
    }
  }

  @Override
  protected void doDeleteTree(String dir) {
    // one transaction: everything below "dir/" (not "dirt") and the key "dir" itself
    Wire.TxnResult r =
        txn(
            new Wire.Txn()
                .op("delete-tree", full(dir) + "/", null, 0, 0, null)
                .op("delete", full(dir), null, 0, 0, null),
            dir);
    boundKeys.keySet().removeIf(k -> k.equals(dir) || Keys.isBelow(k, dir));
    if (!r.ok()) {
      throw unexpected(r, dir);
    }
  }

  @Override
  protected KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    if (!fitsTxn(key, value)) {
      return atomicPutLarge(key, value, previous, options);
    }
    long cond = previous == null ? CREATE_ONLY : previous.lastIndex();
    if (options.isEphemeral()) {
      return KVPair.of(
          key, value, writeEphemeral(key, value, options.ttl().orElseThrow(), cond).modifyIndex);
    }
    if (options.isExpiring()) {
      return KVPair.of(
          key, value, writeExpiring(key, value, options.ttl().orElseThrow(), cond).modifyIndex);
    }
    String full = full(key);
    String bound = boundKeys.get(key);
    if (bound != null && previous != null) {
      Wire.TxnResult r =
          txn(
              new Wire.Txn()
                  .op("check-index", full, null, 0, previous.lastIndex(), null)
                  .op("unlock", full, value, Wire.nonce(), 0, bound),
              key);
      if (r.ok()) {
        boundKeys.remove(key, bound);
        return KVPair.of(key, value, r.results.get(1).modifyIndex);
      }
      if (r.failed(0)) {
        throw compareFailure(key, previous.lastIndex());
      }
      boundKeys.remove(key, bound);
    }
    Wire.TxnResult r = txn(new Wire.Txn().op("cas", full, value, Wire.nonce(), cond, null), key);
    if (!r.ok()) {
      if (previous == null) {
        throw new KeyExistsException("key exists (create-only write)", key, description(), null);
      }
      throw compareFailure(key, previous.lastIndex());
    }
    Wire.Entry e = r.results.get(0);
    long index = e.hasSession() ? releaseFromSession(key, value, e) : e.modifyIndex;
    return KVPair.of(key, value, index);
  }

  @Override
  protected io.libkv.TransactionResult doCommit(io.libkv.Transaction t) {
    return transactions.commit(t);
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    // check-index first: a CAS delete of a missing key succeeds in Consul, the contract says not
    // found
    Wire.TxnResult r =
        txn(
            new Wire.Txn()
                .op("check-index", full(key), null, 0, previous.lastIndex(), null)
                .op("delete", full(key), null, 0, 0, null),
            key);
    if (!r.ok()) {
      throw compareFailure(key, previous.lastIndex());
    }
    boundKeys.remove(key);
  }

  // ---- values too large for a transaction body go through /v1/kv as raw bodies

  private void putLarge(String key, byte[] value, WriteOptions options) {
    String session = null;
    if (options.isEphemeral()) {
      session = ephemeralSession(options.ttl().orElseThrow()).id;
    } else if (options.isExpiring()) {
      session =
          createSession(
              options.ttl().orElseThrow(), "delete", Duration.ZERO, "libkv expiring key", key);
    }
    for (int attempt = 0; attempt < 8; attempt++) {
      Wire.Entry now = entry(key);
      long flags = Wire.nonce();
      String query;
      if (now != null && now.hasSession() && !now.session.equals(session)) {
        query = "release=" + now.session; // sets the value and clears the session in one step
      } else if (session != null) {
        query = "acquire=" + session;
      } else {
        query = "cas=" + (now == null ? 0 : now.modifyIndex);
      }
      if (kvPut(key, value, query + "&flags=" + flags)) {
        if (session != null && query.startsWith("release=")) {
          continue; // released; bind it to our session next round
        }
        if (session != null) {
          boundKeys.put(key, session);
        } else {
          boundKeys.remove(key);
        }
        return;
      }
    }
    throw new KVException("could not write the key: too much contention", key, description(), null);
  }

  private boolean kvPut(String key, byte[] value, String query) {
    ConsulClient.Reply r = client.call("PUT", kvPath(key), query, value, false, key);
    if (r.status != 200) {
      throw failure(r, key);
    }
    return r.text().equals("true");
  }

  private KVPair atomicPutLarge(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    if (options.ttl().isPresent()) {
      throw new CallNotSupportedException(
          "a compare-and-set with a TTL of a value this large (over what a Consul "
              + "transaction carries) is not supported",
          key,
          description(),
          null);
    }
    long flags = Wire.nonce();
    if (!kvPut(
        key, value, "cas=" + (previous == null ? 0 : previous.lastIndex()) + "&flags=" + flags)) {
      if (previous == null) {
        throw new KeyExistsException("key exists (create-only write)", key, description(), null);
      }
      throw compareFailure(key, previous.lastIndex());
    }
    Wire.Entry e = entry(key);
    if (e == null || e.flags != flags) {
      throw new KVException(
          "the write applied, but another replaced it before its index could be read",
          key,
          description(),
          null);
    }
    return pair(key, e);
  }

  // ---- sessions

  private static String goDuration(Duration d) {
    return d.toMillis() + "ms";
  }

  /**
   * Creates a session; the agent refusing its TTL means sessionTtlMin is set below the agent's
   * floor.
   */
  private String createSession(
      Duration ttl, String behavior, Duration lockDelay, String name, @Nullable String key) {
    byte[] body =
        Wire.object(
            "Name",
            name,
            "TTL",
            goDuration(ttl),
            "Behavior",
            behavior,
            "LockDelay",
            goDuration(lockDelay));
    ConsulClient.Reply r = client.call("PUT", "/v1/session/create", null, body, false, key);
    if (r.status == 200) {
      return Wire.sessionId(r.body);
    }
    String text = r.text();
    if (text.contains("Invalid Session TTL")) {
      Matcher m = TTL_RANGE.matcher(text);
      throw new ConfigurationException(
          "the Consul agent refused a session TTL of "
              + goDuration(ttl)
              + (m.find() ? ": its session_ttl_min is " + m.group(1) : "")
              + "; set the store's sessionTtlMin to the agent's session_ttl_min [store "
              + description()
              + "]");
    }
    throw failure(r, key);
  }

  /** Renews a session; false if Consul no longer knows it (invalidated). */
  private boolean renewSession(String id) {
    ConsulClient.Reply r = client.call("PUT", "/v1/session/renew/" + id, null, null, true, null);
    if (r.status == 200) {
      return true;
    }
    if (r.status == 404) {
      return false;
    }
    throw failure(r, null);
  }

  private void destroySession(String id) {
    ConsulClient.Reply r = client.call("PUT", "/v1/session/destroy/" + id, null, null, true, null);
    if (r.status != 200) {
      throw failure(r, null);
    }
  }

  private void destroyQuietly(String id) {
    try {
      destroySession(id);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          () -> "could not destroy Consul session " + id + ": " + e.getMessage());
    }
  }

  private StoreSession ephemeralSession(Duration ttl) {
    synchronized (ephemeral) {
      checkOpen();
      StoreSession s = ephemeral.get(ttl);
      if (s != null && !s.gone) {
        return s;
      }
      Duration sessionTtl = ttl.dividedBy(2);
      StoreSession fresh =
          new StoreSession(
              createSession(sessionTtl, "delete", Duration.ZERO, "libkv ephemeral keys", null));
      fresh.keepAlive =
          KeepAlive.start(
              "Consul session " + fresh.id + " of " + description(),
              sessionTtl,
              time.nanoTime(),
              time,
              executor,
              () -> {
                if (!renewSession(fresh.id)) {
                  executor.execute(() -> ephemeralLost(fresh));
                }
              },
              e -> ephemeralLost(fresh),
              keepAliveReporter());
      ephemeral.put(ttl, fresh);
      return fresh;
    }
  }

  private void dropEphemeral(StoreSession s) {
    synchronized (ephemeral) {
      s.gone = true;
      ephemeral.values().remove(s);
      if (s.keepAlive != null) {
        s.keepAlive.close();
      }
    }
    boundKeys.values().removeIf(s.id::equals);
  }

  /** The session of ephemeral keys is gone (invalidated or not renewable): so are its keys. */
  private void ephemeralLost(StoreSession s) {
    if (s.gone || isClosed()) {
      return;
    }
    dropEphemeral(s);
    destroyQuietly(s.id);
    fireConnectionState(ConnectionState.LOST);
  }

  // ---- watches and locks

  @Override
  public Map<String, Integer> watchResources() {
    // the store's one blocking query serves every watch until the store closes
    return Map.of("watchers in the store's hub", watcher.watcherCount());
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    watcher.watchKey(key, options, channel);
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    watcher.watchTree(dir, options, channel);
  }

  /** The watcher (for tests: its outstanding requests). */
  ConsulWatcher watcher() {
    return watcher;
  }

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    return new ConsulLock(lockContext, key, options.value(), ttl, options.lockDelay());
  }

  /**
   * The IDs of this store's live sessions: ephemeral keys' and locks' (for fault-injecting tests).
   */
  List<String> sessionIds() {
    List<String> out = new ArrayList<>();
    synchronized (ephemeral) {
      for (StoreSession s : ephemeral.values()) {
        out.add(s.id);
      }
    }
    for (ConsulLock l : locks) {
      String id = l.sessionId();
      if (id != null) {
        out.add(id);
      }
    }
    return out;
  }

  @Override
  protected void doClose() {
    watcher.close();
    for (ConsulLock l : new ArrayList<>(locks)) {
      try {
        l.closeByStore();
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.DEBUG,
            () -> "releasing lock " + l.key() + " on close failed: " + e.getMessage());
      }
    }
    List<StoreSession> sessions;
    synchronized (ephemeral) {
      sessions = new ArrayList<>(ephemeral.values());
      ephemeral.clear();
    }
    for (StoreSession s : sessions) {
      s.gone = true;
      Objects.requireNonNull(s.keepAlive, "keep-alive of a session in use").close();
      // destroying the session deletes its keys at once (behaviour delete)
      destroyQuietly(s.id);
    }
    boundKeys.clear();
    executor.shutdownNow();
  }
}
