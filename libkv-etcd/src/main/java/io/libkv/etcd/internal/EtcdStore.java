package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.Durations;
import io.libkv.EventType;
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
import io.libkv.StoreStatus;
import io.libkv.StoreUnavailableException;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.UnknownOutcomeException;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.spi.AbstractStore;
import io.libkv.spi.EndpointProbe;
import io.libkv.spi.EventChannel;
import io.libkv.spi.Retry;
import io.libkv.spi.WatchHub;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The etcd v3 store. {@code lastIndex} is the key's mod revision; compare-and-set, create-only,
 * deleteTree and batches are single transactions; ephemeral keys and locks live on one lease per
 * store and TTL ({@link Leases}); every watch of the store shares one etcd watch on the store's
 * prefix ({@link StoreWatch}); locks queue under {@code _libkv/locks/} ({@link EtcdLock}).
 */
public final class EtcdStore extends AbstractStore {
  /** etcd's default request limit ({@code --max-request-bytes}). */
  static final long ETCD_REQUEST_LIMIT = 1536 * 1024;

  /**
   * Room kept in a request for the key (at most 4096 bytes), the prefix and the protobuf envelope.
   */
  static final long ENVELOPE = 4096 + 1024;

  /** etcd's default limit of operations per transaction ({@code --max-txn-ops}). */
  static final int MAX_TXN_OPS = 128;

  private static final AtomicInteger SEQ = new AtomicInteger();

  /** Bound on each step of the probe that explains a failed connect. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  final Rpc rpc;

  /** The KV calls (all but the store's first, which finds the channel for them). */
  final DirectKv kv;

  final KeySpace space;
  final Failures failures;
  final StoreConfig config;
  final WatchHub hub = new WatchHub();
  final StoreWatch watch;
  final Leases leases;
  final LockSlots lockSlots = new LockSlots();
  final ExecutorService io;
  final Backoff backoff = Backoff.exponential(Duration.ofMillis(20), Duration.ofMillis(500));
  private final Capabilities capabilities;
  private final Transactions transactions = new Transactions(this);
  private final Connection connection = new Connection();
  private final StallWatch stalls;

  EtcdStore(
      Rpc rpc,
      CallGuard guard,
      String description,
      List<String> endpoints,
      String prefix,
      StoreConfig config,
      boolean tls,
      boolean auth,
      Function<String, ManagedChannel> channelTo) {
    super(description);
    this.rpc = rpc;
    this.config = config;
    this.space = new KeySpace(prefix);
    this.kv = new DirectKv(rpc);
    this.failures = new Failures(description, endpoints);
    int n = SEQ.incrementAndGet();
    this.io =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "libkv-etcd-" + n + "-io");
              t.setDaemon(true);
              return t;
            });
    this.stalls = new StallWatch(guard, rpc.options(), endpoints, channelTo, n);
    StoreCalls calls = new Calls();
    this.watch =
        new StoreWatch(
            rpc, kv, space, hub, failures, description, config.operationTimeout(), calls, n);
    this.leases =
        new Leases(
            rpc,
            calls,
            failures,
            description,
            config.operationTimeout(),
            config.timeSource(),
            io,
            () -> {
              lost();
              watch.wakeAll();
            },
            keepAliveReporter());
    Duration floor;
    try {
      floor = leases.probeFloor(config.connectTimeout(), backoff);
      // etcd 3.4 grants leases to anyone: a read tells now whether the credentials are good
      RangeRequest o = DirectKv.get(space.rootStart()).setCountOnly(true).build();
      Retry.call(() -> await(kv.range(o), null, false), backoff, config.connectTimeout());
    } catch (KVException e) {
      closeQuietly();
      // a server that is not etcd fails the first calls as unavailable, or (an HTTP/1 server) with
      // an HTTP/2 protocol error: say what answered, gRPC's own words rarely name the cause
      boolean unexplained =
          e.getClass() == KVException.class
              || e instanceof StoreUnavailableException && !(e instanceof UnknownOutcomeException);
      Optional<String> why =
          unexplained
              ? EndpointProbe.explain("etcd", tls, endpoints, PROBE_TIMEOUT)
              : Optional.empty();
      if (why.isEmpty()) {
        throw e;
      }
      throw new StoreUnavailableException(
          "could not connect to etcd within "
              + Durations.format(config.connectTimeout())
              + ": "
              + why.get(),
          null,
          description,
          endpoints,
          e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
    long prefixBytes = Keys.utf8Length(prefix) + 1L;
    long limit = ETCD_REQUEST_LIMIT - ENVELOPE - prefixBytes;
    this.capabilities =
        Capabilities.builder("etcd")
            .ephemeralTtl(floor, Duration.ofSeconds(1))
            .expiringTtl(floor, Duration.ofSeconds(1))
            .everyRevisionWatch(true)
            .crossProcessWatch(true)
            .tls(true)
            .auth(true)
            .atomicBatch(false)
            .transactionLimits(Transactions.limits(prefix))
            .maxValueBytes(Math.min(limit, config.maxValueBytes().orElse(limit)))
            .build();
    fireConnectionState(ConnectionState.CONNECTED);
  }

  private void closeQuietly() {
    try {
      watch.close();
      leases.closeAll();
      stalls.close();
      rpc.close();
    } catch (RuntimeException ignored) {
      // already failing
    }
    io.shutdownNow();
  }

  /**
   * Each member's version, leadership and health, from its Status answer; the leases kept alive.
   */
  @Override
  public StoreStatus status() {
    StoreStatus.Builder b = statusBuilder();
    List<String> endpoints = failures.endpoints();
    List<CompletableFuture<io.etcd.jetcd.api.StatusResponse>> answers = stalls.statuses();
    boolean versioned = false;
    for (int i = 0; i < endpoints.size(); i++) {
      try {
        io.etcd.jetcd.api.StatusResponse r =
            Uninterruptibly.get(answers.get(i), config.operationTimeout().toNanos());
        List<String> errors = r.getErrorsList();
        StoreStatus.Health health =
            errors.isEmpty() ? StoreStatus.Health.UP : StoreStatus.Health.DOWN;
        b.member(
            new StoreStatus.Member(
                endpoints.get(i),
                health,
                Optional.of(r.getVersion()),
                r.getLeader() == r.getHeader().getMemberId(),
                Optional.of(
                    "raft term "
                        + r.getRaftTerm()
                        + ", db "
                        + r.getDbSize()
                        + " bytes"
                        + (errors.isEmpty() ? "" : ", errors: " + String.join("; ", errors)))));
        if (!versioned) {
          b.serverVersion(r.getVersion());
          versioned = true;
        }
      } catch (Exception e) {
        // gRPC's words ("io exception") rarely say why: say what is at the address instead
        b.member(
            new StoreStatus.Member(
                endpoints.get(i),
                StoreStatus.Health.DOWN,
                Optional.empty(),
                false,
                Optional.of(EndpointProbe.probe(endpoints.get(i), PROBE_TIMEOUT).detail())));
      }
    }
    List<Long> ids = leases.ids();
    b.detail("leases", ids.isEmpty() ? "none" : ids.size() + " kept alive");
    return b.build();
  }

  /**
   * The IDs of the leases this store keeps alive (for tests that revoke them, as a dying session
   * would).
   */
  public List<Long> leaseIds() {
    return leases.ids();
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  // ---- calls: timeouts, error mapping, retries of what is safe to retry

  /**
   * Runs one call and waits for it within the operation timeout (the call's gRPC deadline is the
   * same; the slack covers jetcd's own queueing).
   */
  <T> T await(CompletableFuture<T> f, @Nullable String key, boolean write) {
    try {
      T r = Uninterruptibly.get(f, config.operationTimeout().plusSeconds(2).toNanos());
      connection.ok();
      return r;
    } catch (Exception e) {
      if (isClosed()) {
        // a call racing with close(): the store's leases are revoked, so its ephemeral writes are
        // gone
        throw new IllegalStateException("store " + description() + " is closed", e);
      }
      if (Failures.isConnectionFailure(e)) {
        connection.failed();
      }
      throw failures.map(e, key, write);
    }
  }

  /** A read, retried while the store is unreachable, up to the operation timeout. */
  <T> T read(Supplier<CompletableFuture<T>> call, @Nullable String key) {
    return Retry.call(() -> await(call.get(), key, false), backoff, config.operationTimeout());
  }

  /** A write: retried only when it is known not to have reached a server. */
  <T> T write(Supplier<CompletableFuture<T>> call, @Nullable String key) {
    return Retry.call(() -> await(call.get(), key, true), backoff, config.operationTimeout());
  }

  TxnResponse txn(Compare[] cmps, RequestOp[] then, RequestOp[] otherwise, @Nullable String key) {
    return write(() -> kv.txn(cmps, then, otherwise), key);
  }

  static KVPair pair(String key, io.etcd.jetcd.api.KeyValue kv) {
    return KVPair.ofOwned(key, kv.getValue().toByteArray(), kv.getModRevision());
  }

  private static ByteString bytes(byte[] value) {
    return ByteString.copyFrom(value);
  }

  /** The store's side of {@link StoreCalls}, for its watch and leases. */
  private final class Calls implements StoreCalls {
    @Override
    public <T> T await(CompletableFuture<T> f, @Nullable String key, boolean write) {
      return EtcdStore.this.await(f, key, write);
    }

    @Override
    public <T> T read(Supplier<CompletableFuture<T>> call, @Nullable String key) {
      return EtcdStore.this.read(call, key);
    }

    @Override
    public <T> T write(Supplier<CompletableFuture<T>> call, @Nullable String key) {
      return EtcdStore.this.write(call, key);
    }

    @Override
    public EtcdStore.KeyRead readKey(String key, long revision) {
      return EtcdStore.this.readKey(key, revision);
    }

    @Override
    public Listing list(String dir, long revision) {
      return EtcdStore.this.list(dir, revision);
    }

    @Override
    public void connectionOk() {
      connection.ok();
    }

    @Override
    public void connectionFailed() {
      connection.failed();
    }
  }

  /** Tracks whether calls succeed, to tell listeners SUSPENDED and RECONNECTED. */
  private final class Connection {
    private volatile boolean suspended;

    void ok() {
      if (suspended) {
        recovered();
      }
    }

    private synchronized void recovered() {
      if (suspended) {
        suspended = false;
        fireConnectionState(ConnectionState.RECONNECTED);
      }
    }

    synchronized void failed() {
      if (!suspended && !isClosed()) {
        suspended = true;
        fireConnectionState(ConnectionState.SUSPENDED);
      }
    }
  }

  void lost() {
    fireConnectionState(ConnectionState.LOST);
  }

  // ---- TTLs

  /**
   * The lease a write with these options goes on: 0 (none), the store's kept-alive one, or a fresh
   * one.
   */
  private long leaseFor(String key, WriteOptions options) {
    if (options.ttl().isEmpty()) {
      return 0;
    }
    Duration ttl = wholeSeconds(options.ttl().get());
    if (options.keepAlive()) {
      return leases.lease(ttl, key).id;
    }
    return leases.grant(ttl, key);
  }

  /**
   * etcd leases are whole seconds: a TTL is rounded up to the next second, which stays within the
   * TTL granularity of 1 s that {@link Capabilities} reports (documented in docs/compatibility.md).
   */
  static Duration wholeSeconds(Duration ttl) {
    return ttl.getNano() == 0 ? ttl : Duration.ofSeconds(ttl.getSeconds() + 1);
  }

  // ---- the contract

  @Override
  protected void doPut(String key, byte[] value, WriteOptions options) {
    for (int attempt = 0; ; attempt++) {
      long lease = leaseFor(key, options);
      try {
        write(() -> kv.put(DirectKv.put(space.key(key), bytes(value), lease)), key);
        return;
      } catch (KVException e) {
        if (!retryAfterLeaseLoss(e, lease, attempt)) {
          throw e;
        }
      }
    }
  }

  /**
   * A write refused because its lease is gone (expired while cut off) is retried once on a new
   * lease.
   */
  private boolean retryAfterLeaseLoss(KVException e, long lease, int attempt) {
    if (lease == 0
        || attempt > 0
        || !Failures.isLeaseNotFound(e.getCause() == null ? e : e.getCause())) {
      return false;
    }
    leases.gone(lease);
    return true;
  }

  @Override
  protected void doPutAll(Map<String, byte[]> entries) {
    List<RequestOp> ops = new ArrayList<>();
    long bytes = 0;
    String first = null;
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      long size = (long) e.getValue().length + Keys.utf8Length(e.getKey()) + 64;
      if (!ops.isEmpty()
          && (ops.size() == MAX_TXN_OPS || bytes + size > ETCD_REQUEST_LIMIT - ENVELOPE)) {
        commit(ops, first);
        ops.clear();
        bytes = 0;
      }
      if (ops.isEmpty()) {
        first = e.getKey();
      }
      ops.add(DirectKv.op(DirectKv.put(space.key(e.getKey()), bytes(e.getValue()), 0)));
      bytes += size;
    }
    if (!ops.isEmpty()) {
      commit(ops, first);
    }
  }

  private void commit(List<RequestOp> ops, @Nullable String key) {
    txn(new Compare[0], ops.toArray(new RequestOp[0]), new RequestOp[0], key);
  }

  @Override
  protected KVPair doGet(String key) {
    RangeResponse r = read(() -> kv.range(DirectKv.get(space.key(key)).build()), key);
    if (r.getKvsCount() == 0) {
      throw new KeyNotFoundException("key not found", key, description(), null);
    }
    return pair(key, r.getKvs(0));
  }

  @Override
  protected boolean doExists(String key) {
    RangeRequest r = DirectKv.get(space.key(key)).setCountOnly(true).build();
    return read(() -> kv.range(r), key).getCount() > 0;
  }

  @Override
  protected void doDelete(String key) {
    write(() -> kv.delete(DirectKv.delete(space.key(key))), key);
  }

  @Override
  protected List<KVPair> doList(String dir) {
    Listing l = list(dir, 0);
    if (l.pairs.isEmpty() && !dir.isEmpty() && !doExists(dir)) {
      throw new KeyNotFoundException("directory not found", dir, description(), null);
    }
    return l.pairs;
  }

  /** A directory's pairs at one revision, and that revision. */
  static final class Listing {
    final List<KVPair> pairs;
    final long revision;

    Listing(List<KVPair> pairs, long revision) {
      this.pairs = pairs;
      this.revision = revision;
    }
  }

  /**
   * Keys per page of a listing. Most directories fit in one page, so one round trip; a page whose
   * answer exceeds the client's message limit fails at once (nothing is applied by a read) and is
   * halved, and the store remembers the smaller size.
   */
  private volatile int listPage = FIRST_LIST_PAGE;

  static final int FIRST_LIST_PAGE = 8192;

  /**
   * Every pair below {@code dir} at {@code revision} (0: now), in pages so that a large directory
   * never meets gRPC's message limit; every page is read at the first page's revision, so the
   * listing is one consistent snapshot. A page too large for the message limit is halved.
   */
  Listing list(String dir, long revision) {
    List<KVPair> out = new ArrayList<>();
    ByteString end = space.dirEnd(dir);
    ByteString from = space.dirStart(dir);
    long rev = revision;
    int page = listPage;
    while (true) {
      RangeRequest o = DirectKv.get(from, end).setLimit(page).setRevision(rev).build();
      RangeResponse r;
      try {
        r = read(() -> kv.range(o), dir);
      } catch (KVException e) {
        if (page > 1 && Status.fromThrowable(e).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          page = Math.max(1, page / 2);
          listPage =
              Math.min(listPage, page); // this store's values are large: start smaller next time
          continue;
        }
        throw e;
      }
      if (rev == 0) {
        rev = r.getHeader().getRevision();
      }
      for (io.etcd.jetcd.api.KeyValue kv : r.getKvsList()) {
        String k = space.decode(kv.getKey());
        if (k != null && !Keys.isReserved(k)) {
          out.add(KVPair.ofOwned(k, kv.getValue().toByteArray(), kv.getModRevision()));
        }
      }
      if (!r.getMore() || r.getKvsCount() == 0) {
        return new Listing(out, rev);
      }
      byte[] last = r.getKvs(r.getKvsCount() - 1).getKey().toByteArray();
      byte[] next = java.util.Arrays.copyOf(last, last.length + 1);
      from = UnsafeByteOperations.unsafeWrap(next);
    }
  }

  /** A key as read: its pair (null when absent) and the revision of the read. */
  record KeyRead(@Nullable KVPair pair, long revision) {}

  /** One key at {@code revision} (0: now). */
  KeyRead readKey(String key, long revision) {
    RangeRequest o = DirectKv.get(space.key(key)).setRevision(revision).build();
    RangeResponse r = read(() -> kv.range(o), key);
    KVPair p = r.getKvsCount() == 0 ? null : pair(key, r.getKvs(0));
    return new KeyRead(p, r.getHeader().getRevision());
  }

  @Override
  protected void doDeleteTree(String dir) {
    // one transaction: the directory's key and every key below it, one revision, one tree event
    RequestOp below = DirectKv.op(DirectKv.delete(space.dirStart(dir), space.dirEnd(dir)));
    RequestOp self = DirectKv.op(DirectKv.delete(space.key(dir)));
    txn(new Compare[0], new RequestOp[] {below, self}, new RequestOp[0], dir);
  }

  @Override
  protected KVPair doAtomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    for (int attempt = 0; ; attempt++) {
      long lease = leaseFor(key, options);
      ByteString k = space.key(key);
      Compare cmp =
          previous == null
              ? DirectKv.created(k, Compare.CompareResult.EQUAL, 0)
              : DirectKv.modified(k, Compare.CompareResult.EQUAL, previous.lastIndex());
      TxnResponse r;
      try {
        r =
            txn(
                new Compare[] {cmp},
                new RequestOp[] {DirectKv.op(DirectKv.put(k, bytes(value), lease))},
                new RequestOp[] {
                  DirectKv.op(DirectKv.get(k).setCountOnly(previous == null).build())
                },
                key);
      } catch (KVException e) {
        if (retryAfterLeaseLoss(e, lease, attempt)) {
          continue;
        }
        throw e;
      }
      if (r.getSucceeded()) {
        return KVPair.of(key, value, r.getHeader().getRevision());
      }
      if (previous == null) {
        throw new KeyExistsException("key exists (create-only write)", key, description(), null);
      }
      throw conflict(key, previous, r);
    }
  }

  private KVException conflict(String key, KVPair previous, TxnResponse r) {
    List<io.etcd.jetcd.api.KeyValue> kvs = r.getResponses(0).getResponseRange().getKvsList();
    if (kvs.isEmpty()) {
      return new KeyNotFoundException("key not found (compare-and-set)", key, description(), null);
    }
    return new KeyModifiedException(
        "key was modified: index is "
            + kvs.get(0).getModRevision()
            + ", expected "
            + previous.lastIndex(),
        key,
        description(),
        null);
  }

  @Override
  protected TransactionResult doCommit(Transaction transaction) {
    return transactions.commit(transaction);
  }

  @Override
  protected void doAtomicDelete(String key, KVPair previous) {
    ByteString k = space.key(key);
    TxnResponse r =
        txn(
            new Compare[] {DirectKv.modified(k, Compare.CompareResult.EQUAL, previous.lastIndex())},
            new RequestOp[] {DirectKv.op(DirectKv.delete(k))},
            new RequestOp[] {DirectKv.op(DirectKv.get(k).build())},
            key);
    if (!r.getSucceeded()) {
      throw conflict(key, previous, r);
    }
  }

  @Override
  public Map<String, Integer> watchResources() {
    // the store's one etcd watch stream serves every watch and lock waiter until the store closes
    return Map.of("watchers in the store's hub", hub.watcherCount());
  }

  @Override
  protected void doWatch(String key, WatchOptions options, EventChannel<KeyEvent> channel) {
    watch.ensureStarted(key);
    WatchHub.KeyWatcher w = hub.attachKey(key, channel);
    KeyRead now = readKey(key, 0);
    KVPair current = now.pair();
    long rev = now.revision();
    if (options.startIndex().isEmpty()) {
      w.start(current, rev);
      return;
    }
    long from = options.startIndex().getAsLong();
    List<WatchHub.Change> h = watch.history(key, false, from, rev);
    if (h == null) {
      w.restart(EventType.RESYNC, current, rev);
    } else {
      w.startResumed(h, from, rev);
    }
  }

  @Override
  protected void doWatchTree(String dir, WatchOptions options, EventChannel<TreeEvent> channel) {
    watch.ensureStarted(dir);
    WatchHub.TreeWatcher w = hub.attachTree(dir, channel);
    Listing now = list(dir, 0);
    if (options.startIndex().isEmpty()) {
      w.start(now.pairs, now.revision);
      return;
    }
    long from = options.startIndex().getAsLong();
    List<WatchHub.Change> h = watch.history(dir, true, from, now.revision);
    if (h == null) {
      w.restart(EventType.RESYNC, now.pairs, now.revision);
    } else {
      w.startResumed(now.pairs, h, from, now.revision);
    }
  }

  @Override
  protected Lock doNewLock(String key, LockOptions options, Duration ttl) {
    return new EtcdLock(this, openCheck(), key, options.value(), wholeSeconds(ttl));
  }

  @Override
  protected void doClose() {
    try {
      watch.close();
      leases.closeAll();
    } finally {
      stalls.close();
      rpc.close();
      io.shutdownNow();
    }
  }
}
