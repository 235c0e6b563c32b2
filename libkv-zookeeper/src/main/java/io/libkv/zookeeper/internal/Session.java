package io.libkv.zookeeper.internal;

import io.libkv.Capabilities;
import io.libkv.ConfigurationException;
import io.libkv.ConnectionState;
import io.libkv.Durations;
import io.libkv.KVException;
import io.libkv.Keys;
import io.libkv.StoreConfig;
import io.libkv.StoreStatus;
import io.libkv.StoreUnavailableException;
import io.libkv.Subscription;
import io.libkv.TimeSource;
import io.libkv.spi.EndpointProbe;
import io.libkv.spi.LeaseDeadline;
import io.libkv.spi.Retry;
import io.libkv.util.Backoff;
import io.libkv.zookeeper.ZooKeeperOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.jspecify.annotations.Nullable;

/**
 * The store's one ZooKeeper session: the Curator client that keeps the connection and re-creates
 * the session, the calls run on its raw handle (none retried by Curator, so a write whose
 * connection drops after it was sent surfaces as {@link io.libkv.UnknownOutcomeException} instead
 * of being repeated), what the servers allow (capabilities), and when the server last heard from
 * the session: the deadline of the store's locks.
 */
final class Session {
  /** ZooKeeper's own packet limit ({@code jute.maxbuffer}) when nothing raises it. */
  static final int DEFAULT_JUTE_MAXBUFFER = 0xfffff;

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final Pattern SRVR_VERSION = Pattern.compile("Zookeeper version: ([^,\\s-]+)");
  private static final Pattern SRVR_MODE = Pattern.compile("Mode: (\\w+)");

  /** Bound on each step of the probe that explains a failed connect. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  /** A call on the session's handle. */
  @FunctionalInterface
  interface ZkCall<T> {
    T call(ZooKeeper zk) throws KeeperException, InterruptedException;
  }

  /** A call on the session's handle that gives no result. */
  @FunctionalInterface
  interface ZkRun {
    void run(ZooKeeper zk) throws KeeperException, InterruptedException;
  }

  /** What the store does when the connection's state changes; called on Curator's event thread. */
  interface Events {
    /** The connection's state as libkv names it (Curator's read-only state counts as suspended). */
    void stateChanged(ConnectionState state);

    /**
     * Connected again, before {@link #stateChanged} says so; {@code newSession} when the session
     * expired meanwhile (its ephemeral nodes and server watches are gone).
     */
    void sessionResumed(boolean newSession);
  }

  private final String description;
  private final ZkErrors errors;
  private final StoreConfig config;
  private final ZooKeeperOptions options;
  private final Duration opTimeout;
  private final Backoff backoff =
      Backoff.exponential(Duration.ofMillis(20), Duration.ofMillis(500));
  private final long maxValueBytes;
  private final boolean tls;
  private final CuratorFramework client;
  private final Runnable checkOpen;
  private final BooleanSupplier closed;
  private final ConnectionStateListener stateListener;
  private final AtomicReference<Heard> heard = new AtomicReference<>(new Heard(0, 0, 0));
  // set once connected (established), before the store is handed out
  private volatile @Nullable Capabilities capabilities;
  private volatile long sessionId;
  private volatile boolean expiringSupported;
  private volatile @Nullable Subscription heartbeat;

  /**
   * A session not yet started. {@code checkOpen} throws once the store is closed, {@code closed}
   * tells whether it is; {@code events} hears the connection's states.
   */
  Session(
      String description,
      List<String> endpoints,
      StoreConfig config,
      ZooKeeperOptions options,
      long maxValueBytes,
      Runnable checkOpen,
      BooleanSupplier closed,
      Events events) {
    this.description = description;
    this.errors = new ZkErrors(description, endpoints);
    this.config = config;
    this.options = options;
    this.opTimeout = config.operationTimeout();
    this.maxValueBytes = maxValueBytes;
    this.checkOpen = checkOpen;
    this.closed = closed;
    ZKClientConfig zkConfig = new ZKClientConfig();
    zkConfig.setProperty(
        ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT,
        Long.toString(config.operationTimeout().toMillis()));
    // a read returns the value plus its stat: let the client take what the limit lets through
    // and a list's batched reads (multi-reads) answers of up to LIST_REPLY_BYTES
    long packet = Math.max(Listings.LIST_REPLY_BYTES, maxValueBytes + 64 * 1024);
    zkConfig.setProperty("jute.maxbuffer", Long.toString(Math.min(Integer.MAX_VALUE, packet)));
    this.tls = ZkTls.configure(config, zkConfig, description);
    CuratorFrameworkFactory.Builder b =
        CuratorFrameworkFactory.builder()
            .connectString(String.join(",", endpoints))
            .sessionTimeoutMs(millis(options.sessionTimeout()))
            .connectionTimeoutMs(millis(config.connectTimeout()))
            // libkv decides what may be retried: a write sent twice could apply twice
            .retryPolicy(new RetryNTimes(0, 0))
            .zkClientConfig(zkConfig)
            // handles that tell the zxid their last answer came from: a list proves its snapshot
            // with it
            .zookeeperFactory(new ZxidZooKeeper.Factory(zkConfig))
            .dontUseContainerParents()
            // connect only to the servers the URI names: the ensemble's own configuration may list
            // addresses this client cannot or must not use (NAT, proxies, another network)
            .ensembleTracker(false)
            .threadFactory(r -> daemon("libkv-zk-curator-", r));
    if (config.username().isPresent()) {
      String password =
          config
              .password()
              .map(s -> s.reveal())
              .orElseThrow(
                  () ->
                      new ConfigurationException(
                          "username given without a password (passwordFile, or LIBKV_PASSWORD for the CLI) for "
                              + description));
      b.authorization(
          "digest", (config.username().get() + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
    this.client = b.build();
    this.stateListener = (c, s) -> onState(s, events);
  }

  /** A daemon thread named {@code prefix} plus a number unique in this JVM. */
  static Thread daemon(String prefix, Runnable r) {
    Thread t = new Thread(r, prefix + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }

  /**
   * Starts the client and waits up to the connection timeout for a session.
   *
   * @return whether a session was established
   */
  boolean start() throws InterruptedException {
    client.getConnectionStateListenable().addListener(stateListener);
    client.start();
    return client.blockUntilConnected(millis(config.connectTimeout()), TimeUnit.MILLISECONDS);
  }

  /** The failure of a connect that got no session, saying what answered at the endpoints. */
  StoreUnavailableException notConnected() {
    // the client itself only knows that no session came
    return errors.unavailable(
        "could not connect to ZooKeeper within "
            + Durations.format(config.connectTimeout())
            + ": "
            + EndpointProbe.explain("zookeeper", tls, errors.endpoints(), PROBE_TIMEOUT)
                .orElse(
                    tls
                        ? "check that the server serves TLS and that ca, cert and key match it"
                        : "no session was established"),
        null,
        null);
  }

  /** Once connected: takes the session's id and timeout, and starts the heartbeat. */
  void established(boolean expiringSupported) {
    ZooKeeper zk = zk(null);
    sessionId = zk.getSessionId();
    this.expiringSupported = expiringSupported;
    capabilities = buildCapabilities(zk.getSessionTimeout());
    scheduleHeartbeat();
  }

  private Capabilities buildCapabilities(int negotiatedMs) {
    Duration session =
        Duration.ofMillis(negotiatedMs > 0 ? negotiatedMs : options.sessionTimeout().toMillis());
    Capabilities.Builder b =
        Capabilities.builder("zookeeper")
            // the session is the real bound; the server notices an expired session within a tick or
            // two
            .ephemeralTtl(session, Duration.ofSeconds(2))
            .everyRevisionWatch(false)
            .crossProcessWatch(true)
            .tls(true)
            .auth(true)
            .atomicBatch(true)
            .maxValueBytes(maxValueBytes)
            .forbidKeyCodePoints(0x0000, 0x001F, "control character")
            .forbidKeyCodePoints(0x007F, 0x009F, "control character")
            .forbidKeyCodePoints(
                0xD800, 0xF8FF, "surrogate or private use: ZooKeeper refuses it in paths")
            .forbidKeyCodePoints(0xFFF0, 0xFFFF, "specials: ZooKeeper refuses them in paths")
            .forbidKeyCodePoints(
                0x10000,
                0x10FFFF,
                "supplementary character: ZooKeeper checks UTF-16 units and refuses surrogates in paths");
    // the server's request limit: ZooKeeper's default, or what a larger value limit needs it raised
    // to
    long packet =
        maxValueBytes <= ZooKeeperStore.DEFAULT_MAX_VALUE_BYTES
            ? DEFAULT_JUTE_MAXBUFFER
            : maxValueBytes + 64 * 1024;
    int root = config.prefix().isEmpty() ? 0 : Keys.utf8Length(config.prefix()) + 1;
    b.transactionLimits(Transactions.limits(packet, root, expiringSupported));
    if (expiringSupported) {
      // TTL nodes are swept every container check interval, not at their deadline
      b.expiringTtl(Duration.ofMillis(1), options.containerCheckInterval());
    }
    return b.build();
  }

  Capabilities capabilities() {
    return Objects.requireNonNull(capabilities);
  }

  String description() {
    return description;
  }

  ZkErrors errors() {
    return errors;
  }

  Duration opTimeout() {
    return opTimeout;
  }

  long maxValueBytes() {
    return maxValueBytes;
  }

  /** The current session's id (0 before the first connection). */
  long sessionId() {
    return sessionId;
  }

  /** The negotiated session timeout. */
  Duration sessionTimeout() {
    return Objects.requireNonNull(capabilities).minEphemeralTtl();
  }

  TimeSource time() {
    return config.timeSource();
  }

  /**
   * Adds each server's version and mode from its {@code srvr} command (health unknown where the
   * server's 4lw whitelist leaves it out), and the session.
   */
  StoreStatus.Builder status(StoreStatus.Builder b) {
    boolean versioned = false;
    for (String e : errors.endpoints()) {
      Optional<String> reply = EndpointProbe.ask(e, "srvr", PROBE_TIMEOUT);
      Matcher version = SRVR_VERSION.matcher(reply.orElse(""));
      Matcher mode = SRVR_MODE.matcher(reply.orElse(""));
      String detail =
          mode.find()
              ? "mode " + mode.group(1)
              : reply.isPresent() ? "srvr not allowed" : "no answer";
      StoreStatus.Health health =
          version.find()
              ? StoreStatus.Health.UP
              : reply.isPresent() ? StoreStatus.Health.UNKNOWN : StoreStatus.Health.DOWN;
      Optional<String> v =
          health == StoreStatus.Health.UP ? Optional.of(version.group(1)) : Optional.empty();
      b.member(
          new StoreStatus.Member(
              e, health, v, detail.startsWith("mode leader"), Optional.of(detail)));
      if (v.isPresent() && !versioned) {
        b.serverVersion(v.get());
        versioned = true;
      }
    }
    b.detail(
        "session",
        "0x" + Long.toHexString(sessionId) + ", timeout " + Durations.format(sessionTimeout()));
    return b;
  }

  // ---- running calls

  /** The session's handle, once connected (waiting up to the operation timeout). */
  ZooKeeper zk(@Nullable String key) {
    try {
      if (!client.getZookeeperClient().isConnected()
          && !client.blockUntilConnected(millis(opTimeout), TimeUnit.MILLISECONDS)) {
        throw errors.unavailable(
            "not connected to ZooKeeper within " + Durations.format(opTimeout), key, null);
      }
      return client.getZookeeperClient().getZooKeeper();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw errors.unavailable("interrupted while waiting for the connection", key, e);
    } catch (KVException e) {
      throw e;
    } catch (Exception e) {
      if (closed.getAsBoolean()) {
        throw new IllegalStateException("store " + description + " is closed");
      }
      throw errors.unavailable("no ZooKeeper connection: " + e.getMessage(), key, e);
    }
  }

  /** The handle as it is now, without waiting for a connection (watch delivery, resync). */
  ZooKeeper handle() throws Exception {
    return client.getZookeeperClient().getZooKeeper();
  }

  boolean connected() {
    return client.getZookeeperClient().isConnected();
  }

  /** Runs a read, retried while the store is unreachable, up to the operation timeout. */
  <T> T read(@Nullable String key, ZkCall<T> call) {
    return Retry.call(() -> once(key, call, false), backoff, opTimeout);
  }

  /** Runs a write: retried only while known not to have been sent. */
  <T> T write(@Nullable String key, ZkCall<T> call) {
    return Retry.call(() -> once(key, call, true), backoff, opTimeout);
  }

  /** {@link #read} of a call without a result. */
  void readVoid(@Nullable String key, ZkRun call) {
    read(
        key,
        zk -> {
          call.run(zk);
          return Boolean.TRUE; // a ZkCall gives a result, never null: dropped here
        });
  }

  /** {@link #write} of a call without a result. */
  void writeVoid(@Nullable String key, ZkRun call) {
    write(
        key,
        zk -> {
          call.run(zk);
          return Boolean.TRUE;
        });
  }

  private <T> T once(@Nullable String key, ZkCall<T> call, boolean write) {
    checkOpen.run();
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
      if (closed.getAsBoolean()) {
        // close() ended the session under this call: say so, not "connection lost"
        throw new IllegalStateException("store " + description + " is closed", e);
      }
      throw errors.map(e, key, write);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (write) {
        throw errors.unknown("interrupted after the write was sent", key, e);
      }
      throw new KVException("interrupted [store " + description + "]", e);
    }
  }

  // ---- connection states

  private void onState(org.apache.curator.framework.state.ConnectionState s, Events events) {
    switch (s) {
      case CONNECTED:
        events.stateChanged(ConnectionState.CONNECTED);
        break;
      case SUSPENDED:
      case READ_ONLY:
        events.stateChanged(ConnectionState.SUSPENDED);
        break;
      case LOST:
        events.stateChanged(ConnectionState.LOST);
        break;
      case RECONNECTED:
        reconnected(events);
        events.stateChanged(ConnectionState.RECONNECTED);
        break;
      default:
        break;
    }
  }

  private void reconnected(Events events) {
    long id;
    int timeout;
    try {
      ZooKeeper zk = handle();
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
    events.sessionResumed(newSession);
  }

  // ---- what the server last heard of the session: the deadline of this store's locks

  /**
   * The last answer the server gave for a session: when the request it answered was sent, and which
   * unbroken run of answers (each sent within two thirds of the session timeout of the one before)
   * it belongs to. The server expires a session no earlier than its timeout after it last heard
   * from it, so a lock of this session is confirmed until {@code sentAt} plus two thirds of that
   * timeout (the same margin as the client's own disconnect detection and the keep-alives).
   */
  private record Heard(long session, long run, long sentAt) {}

  private long lossAfterNanos() {
    // the negotiated timeout once known; while connecting, no lock exists yet
    Capabilities c = capabilities;
    return (c == null ? options.sessionTimeout() : c.minEphemeralTtl()).toNanos() * 2 / 3;
  }

  /**
   * Whether a result code is the server's answer, not the client's report of a broken connection.
   */
  private static boolean answered(int rc) {
    KeeperException.Code c = KeeperException.Code.get(rc);
    return c == KeeperException.Code.OK
        || c == KeeperException.Code.NONODE
        || c == KeeperException.Code.NODEEXISTS
        || c == KeeperException.Code.BADVERSION
        || c == KeeperException.Code.NOTEMPTY
        || c == KeeperException.Code.NOCHILDRENFOREPHEMERALS;
  }

  /** The server answered a request of {@code session} that was sent at {@code sentAt}. */
  private void heard(long session, long sentAt) {
    long lossAfter = lossAfterNanos();
    heard.updateAndGet(
        h -> {
          if (sentAt - h.sentAt() <= 0 && h.session() != 0) {
            return h; // an older request's answer, of this session or one before it
          }
          // a new session, or an answer past the last one's deadline: the locks of the run before
          // are lost
          boolean newRun = session != h.session() || sentAt - h.sentAt() >= lossAfter;
          return new Heard(session, newRun ? h.run() + 1 : h.run(), sentAt);
        });
  }

  /**
   * The deadline of a lock acquired now in {@code session}: the current run of answers' last send
   * time plus two thirds of the session timeout; passed as soon as the run ends.
   */
  LeaseDeadline sessionDeadline(long session) {
    // heard starts non-null and is only ever updated to non-null values
    long run = Objects.requireNonNull(heard.get()).run();
    TimeSource time = time();
    return new LeaseDeadline() {
      @Override
      public TimeSource time() {
        return time;
      }

      @Override
      public long confirmedUntil() {
        Heard h = Objects.requireNonNull(heard.get());
        return h.session() == session && h.run() == run
            ? h.sentAt() + lossAfterNanos()
            : time.nanoTime();
      }
    };
  }

  /**
   * A light request every third of the session timeout, so the deadline keeps moving while the
   * connection is fine (the client sends its own pings only when idle, and they are not seen here).
   * Asynchronous: a hung connection costs nothing but the missing answer.
   */
  private void scheduleHeartbeat() {
    if (!closed.getAsBoolean()) {
      heartbeat = time().schedule(this::beat, sessionTimeout().dividedBy(3));
    }
  }

  private void beat() {
    try {
      if (connected()) {
        ZooKeeper zk = handle();
        long sent = time().nanoTime();
        zk.exists(
            "/",
            false,
            (rc, path, ctx, stat) -> {
              if (answered(rc)) {
                heard(zk.getSessionId(), sent);
              }
            },
            null);
      }
    } catch (Exception e) {
      // not connected now: the next beat tries again, the deadline passes meanwhile
    } finally {
      scheduleHeartbeat();
    }
  }

  /** Stops the heartbeat and the state events: the first step of closing. */
  void stopEvents() {
    Subscription beat = heartbeat;
    if (beat != null) {
      beat.close();
    }
    client.getConnectionStateListenable().removeListener(stateListener);
  }

  /** Closes the client: that ends the session, and its ephemeral keys and lock nodes with it. */
  void close() {
    client.close();
  }
}
