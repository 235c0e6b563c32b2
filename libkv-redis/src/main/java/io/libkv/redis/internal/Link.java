package io.libkv.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.libkv.ConfigurationException;
import io.libkv.KVException;
import io.libkv.PermissionDeniedException;
import io.libkv.Secret;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import io.libkv.redis.RedisOptions;
import io.libkv.spi.EndpointProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The store's connection to Redis: one multiplexed Lettuce connection for its calls, made again
 * when it breaks, and dedicated connections for blocking stream reads. Lettuce's own reconnect is
 * off: it re-sends commands that were in flight when a connection broke, and a write must never be
 * repeated behind the caller's back, so a broken connection fails its calls and the next call
 * connects anew.
 */
final class Link implements AutoCloseable {
  private static final Object SHARED_LOCK = new Object();
  private static @Nullable ClientResources shared;

  private final RedisOptions options;
  private final String description;
  private final List<String> endpoints;
  private final AbstractRedisClient client;
  private @Nullable StatefulConnection<byte[], byte[]> connection;
  private @Nullable RedisClusterAsyncCommands<byte[], byte[]> commands;
  private volatile boolean closed;

  // per store: a write's WAIT must go on the connection that store's write went on
  @SuppressWarnings("ThreadLocalUsage")
  private final ThreadLocal<RedisClusterAsyncCommands<byte[], byte[]>> lastUsed =
      new ThreadLocal<>();

  private Link(RedisOptions options, String description, @Nullable ClientResources own) {
    this.options = options;
    this.description = description;
    this.endpoints = options.endpoints();
    ClientResources resources = own != null ? own : acquireResources();
    List<RedisURI> uris = uris(options);
    if (options.cluster()) {
      RedisClusterClient c = RedisClusterClient.create(resources, uris);
      c.setOptions(
          ClusterClientOptions.builder()
              .autoReconnect(false)
              // the connection to a slot's node is made on first use: a command must wait for
              // it, not be refused because it is still being made (refused commands are for a
              // connection that broke, and a broken one is not made again but replaced)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
              // nothing periodic: a store's keys live in one slot, and a redirect is followed
              .topologyRefreshOptions(
                  io.lettuce.core.cluster.ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(false)
                      .build())
              .socketOptions(socketOptions(options.config()))
              .sslOptions(sslOptions(options.config()))
              .build());
      client = c;
    } else {
      RedisClient c = RedisClient.create(resources, uris.get(0));
      c.setOptions(
          ClientOptions.builder()
              .autoReconnect(false)
              .socketOptions(socketOptions(options.config()))
              .sslOptions(sslOptions(options.config()))
              .build());
      client = c;
    }
  }

  /**
   * Connects, failing with {@link StoreUnavailableException} when no server answers; on the Lettuce
   * resources all stores share unless {@code own} are given (tests give their own, to cut one
   * store's connections), which stay the caller's to shut down.
   */
  static Link open(RedisOptions options, String description, @Nullable ClientResources own) {
    Link l = new Link(options, description, own);
    try {
      // a command, so that wrong or missing credentials fail the open, not the first call
      l.call(false, null, "connect", c -> c.ping());
      return l;
    } catch (StoreUnavailableException e) {
      l.close();
      // a server that is not Redis (or speaks TLS where we did not) fails the connect with the
      // client's own words, which rarely name the cause: say what answered
      Optional<String> why =
          EndpointProbe.explain(
              "redis", options.config().tls(), options.endpoints(), Duration.ofSeconds(1));
      if (why.isEmpty()) {
        throw e;
      }
      throw new StoreUnavailableException(
          "could not connect to Redis: " + why.get(), null, description, options.endpoints(), e);
    } catch (RuntimeException e) {
      l.close();
      throw e;
    }
  }

  List<String> endpoints() {
    return endpoints;
  }

  /** The connection's commands, connecting first if it is not open. */
  synchronized RedisClusterAsyncCommands<byte[], byte[]> commands() {
    if (closed) {
      throw new IllegalStateException("store is closed: " + description);
    }
    StatefulConnection<byte[], byte[]> c = connection;
    RedisClusterAsyncCommands<byte[], byte[]> cmds = commands;
    if (c != null && cmds != null && c.isOpen()) {
      return cmds;
    }
    if (c != null) {
      quietClose(c);
    }
    connection = null;
    commands = null;
    StatefulConnection<byte[], byte[]> fresh = connect();
    fresh.setTimeout(options.config().operationTimeout());
    connection = fresh;
    commands = asyncOf(fresh);
    return commands;
  }

  /**
   * A new connection of its own, for blocking reads, with {@code timeout} for its commands; the
   * caller closes it.
   */
  StatefulConnection<byte[], byte[]> dedicated(Duration timeout) {
    StatefulConnection<byte[], byte[]> c = connect();
    c.setTimeout(timeout);
    return c;
  }

  @SuppressWarnings("unchecked")
  static RedisClusterAsyncCommands<byte[], byte[]> asyncOf(StatefulConnection<byte[], byte[]> c) {
    if (c instanceof StatefulRedisClusterConnection) {
      return ((StatefulRedisClusterConnection<byte[], byte[]>) c).async();
    }
    return ((StatefulRedisConnection<byte[], byte[]>) c).async();
  }

  @SuppressWarnings("unchecked")
  static RedisClusterCommands<byte[], byte[]> syncOf(StatefulConnection<byte[], byte[]> c) {
    if (c instanceof StatefulRedisClusterConnection) {
      return ((StatefulRedisClusterConnection<byte[], byte[]>) c).sync();
    }
    return ((StatefulRedisConnection<byte[], byte[]>) c).sync();
  }

  private StatefulConnection<byte[], byte[]> connect() {
    try {
      if (client instanceof RedisClusterClient cc) {
        return cc.connect(ByteArrayCodec.INSTANCE);
      }
      return ((RedisClient) client).connect(ByteArrayCodec.INSTANCE);
    } catch (RuntimeException e) {
      throw failure(e, false, null, "cannot connect");
    }
  }

  /**
   * Closes {@code c} unless it is closed already (Lettuce warns, through its logger, of a second
   * close, which a user's application would see).
   */
  static void quietClose(StatefulConnection<byte[], byte[]> c) {
    if (c.isOpen()) {
      c.closeAsync();
    }
  }

  /** Forgets the connection after a failure that may have broken it, so the next call connects. */
  synchronized void reset(StatefulConnection<byte[], byte[]> c) {
    if (connection == c) {
      quietClose(c);
      connection = null;
      commands = null;
    }
  }

  /** The current connection, if one is open (to reset it after a failure). */
  synchronized @Nullable StatefulConnection<byte[], byte[]> current() {
    return connection;
  }

  /**
   * What a client failure means for the caller: a write whose request may have reached the server
   * has an unknown outcome; anything refused before sending, or a read, is unavailability; server
   * errors keep their meaning.
   */
  KVException failure(RuntimeException e, boolean write, @Nullable String key, String what) {
    if (e instanceof KVException k) {
      return k;
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      // the refusal may come as the answer to HELLO, PING or AUTH, and wrapped in a failed connect
      if (t instanceof RedisException
          && m != null
          && (m.contains("WRONGPASS") || m.contains("NOAUTH"))) {
        Optional<String> user = options.config().username();
        return new ConfigurationException(
            what
                + ": Redis refused "
                + (user.isPresent()
                    ? "the credentials of user " + user.get()
                    : "to serve without credentials (give username and passwordFile)")
                + " ("
                + m
                + ")",
            key,
            description,
            e);
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return new StoreUnavailableException(
            what + ": TLS handshake failed (" + t.getMessage() + ")",
            key,
            description,
            endpoints,
            e);
      }
    }
    if (e instanceof RedisCommandExecutionException) {
      if (msg.startsWith("NOPERM")) {
        return new PermissionDeniedException(
            what + ": Redis refused it (" + msg + ")", key, description, e);
      }
      if (msg.startsWith("READONLY")
          || msg.startsWith("LOADING")
          || msg.startsWith("MASTERDOWN")
          || msg.startsWith("CLUSTERDOWN")
          || msg.startsWith("TRYAGAIN")
          || msg.startsWith("BUSY")) {
        // refused before anything was applied
        return new StoreUnavailableException(what + ": " + msg, key, description, endpoints, e);
      }
      return new KVException(what + ": Redis answered " + msg, key, description, e);
    }
    // Lettuce's own words for a failed connect ("Unable to connect to ...") hide why
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null) {
      msg = msg + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    if (!write || notSent(e)) {
      return new StoreUnavailableException(what + ": " + msg, key, description, endpoints, e);
    }
    return new UnknownOutcomeException(
        what + ": no answer (" + msg + "); the write may or may not have been applied",
        key,
        description,
        endpoints,
        e);
  }

  /** Whether {@code e} says the command never left this client. */
  static boolean notSent(RuntimeException e) {
    if (e instanceof RedisConnectionException) {
      return true;
    }
    if (e instanceof RedisCommandTimeoutException) {
      return false;
    }
    String m = e.getMessage();
    return e instanceof RedisException
        && m != null
        && (m.contains("Currently not connected") || m.contains("Connection is closed"));
  }

  /**
   * Whether {@code e} may have left the connection unusable, or says it leads to the wrong server,
   * so that the next call connects anew: {@code READONLY} comes from a primary that was demoted
   * (after a failover the sentinels name another), which a new connection asks them for.
   */
  static boolean breaksConnection(RuntimeException e) {
    if (e instanceof RedisCommandExecutionException) {
      String m = e.getMessage();
      return m != null && (m.startsWith("READONLY") || m.startsWith("MASTERDOWN"));
    }
    // a timeout too: behind a connection that stopped answering (a partition that drops traffic,
    // a primary that is gone) the next call must not queue on it
    return true;
  }

  /**
   * Runs {@code call} on the connection and waits for its answer without heeding interrupts (the
   * thread's interrupt is kept for later): a command once sent runs on the server whatever the
   * caller does, so giving up on it early would only hide its outcome, a lock taken by an
   * interrupted waiter say. Failures are mapped for {@code key}.
   */
  <T> T call(
      boolean write,
      @Nullable String key,
      String what,
      Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends Future<T>> call) {
    RedisClusterAsyncCommands<byte[], byte[]> c = commands();
    StatefulConnection<byte[], byte[]> conn = current();
    lastUsed.set(c);
    try {
      return await(call.apply(c));
    } catch (RuntimeException e) {
      if (closed) {
        // a call racing with close(): the store's sessions are ended, so its ephemeral writes
        // are gone
        throw new IllegalStateException("store " + description + " is closed", e);
      }
      if (conn != null && breaksConnection(e)) {
        reset(conn);
      }
      throw failure(e, write, key, what);
    }
  }

  /** The answer, within the operation timeout, uninterruptibly. */
  private <T> T await(Future<T> f) {
    long timeout = options.config().operationTimeout().toNanos();
    long deadline = System.nanoTime() + timeout;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException r) {
            throw r;
          }
          throw new RedisException(cause);
        } catch (TimeoutException e) {
          throw new RedisCommandTimeoutException(
              "no answer within " + io.libkv.Durations.format(Duration.ofNanos(timeout)));
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Waits until {@code replicas} replicas have every write this thread made on the connection of
   * its last call ({@code WAIT} counts a connection's own writes, so it must be that one, never a
   * new one); how many did within {@code timeout}. A failure, the write being applied already, is
   * an unknown outcome.
   */
  long awaitReplicas(int replicas, Duration timeout, @Nullable String key) {
    RedisClusterAsyncCommands<byte[], byte[]> c = lastUsed.get();
    if (c == null) {
      throw new IllegalStateException("no call was made on this thread");
    }
    try {
      return await(c.waitForReplication(replicas, timeout.toMillis()));
    } catch (RuntimeException e) {
      throw new UnknownOutcomeException(
          "applied by the primary, but waiting for its replicas failed ("
              + e.getMessage()
              + "): a failover may lose it",
          key,
          description,
          endpoints,
          e);
    }
  }

  @Override
  public void close() {
    StatefulConnection<byte[], byte[]> c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = connection;
      connection = null;
      commands = null;
    }
    try {
      if (c != null && c.isOpen()) {
        c.close();
      }
      // no client.shutdown(): with every connection closed (the change feed closes its own) the
      // client holds nothing, schedules nothing (no topology refresh is set up), and its
      // shutdown would only close an empty channel group on Netty's global executor, whose
      // thread (not a daemon) then lingers for a second
    } catch (RuntimeException e) {
      // closing is best effort: the server drops what it no longer hears from
    }
  }

  // ---- configuration

  private static List<RedisURI> uris(RedisOptions options) {
    StoreConfig config = options.config();
    List<RedisURI> out = new ArrayList<>();
    if (options.sentinel().isPresent()) {
      RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(options.sentinel().get());
      for (String e : options.endpoints()) {
        HostPort hp = HostPort.of(e, RedisStoreProvider.DEFAULT_SENTINEL_PORT);
        b.withSentinel(hp.host(), hp.port());
      }
      out.add(common(b, config).build());
      return out;
    }
    for (String e : options.endpoints()) {
      HostPort hp = HostPort.of(e, RedisStoreProvider.DEFAULT_PORT);
      RedisURI.Builder b = RedisURI.builder().withHost(hp.host()).withPort(hp.port());
      if (!options.cluster()) {
        b.withDatabase(options.database());
      }
      out.add(common(b, config).build());
    }
    return out;
  }

  private static RedisURI.Builder common(RedisURI.Builder b, StoreConfig config) {
    b.withTimeout(config.operationTimeout()).withSsl(config.tls()).withVerifyPeer(config.tls());
    Optional<String> user = config.username();
    if (user.isPresent()) {
      Secret pw =
          config
              .password()
              .orElseThrow(
                  () ->
                      new ConfigurationException(
                          "redis user "
                              + user.get()
                              + " needs a password: passwordFile parameter or StoreConfig.password"));
      b.withAuthentication(user.get(), pw.reveal());
    }
    return b;
  }

  private static SocketOptions socketOptions(StoreConfig config) {
    return SocketOptions.builder()
        .connectTimeout(config.connectTimeout())
        .keepAlive(true)
        .tcpNoDelay(true)
        .build();
  }

  private static SslOptions sslOptions(StoreConfig config) {
    if (!config.tls()) {
      return SslOptions.create();
    }
    if (config.sslContext().isPresent()) {
      throw new ConfigurationException(
          "redis: an SSLContext cannot be used (Lettuce builds TLS from files): give ca, cert and"
              + " key");
    }
    SslOptions.Builder sb = SslOptions.builder().jdkSslProvider();
    if (config.caFile().isPresent()) {
      sb.trustManager(readable(config.caFile().get(), "ca").toFile());
    }
    if (config.certFile().isPresent()) {
      sb.keyManager(
          readable(config.certFile().get(), "cert").toFile(),
          readable(config.keyFile().orElseThrow(), "key").toFile(),
          null);
    }
    return sb.build();
  }

  private static Path readable(Path p, String param) {
    if (!Files.isReadable(p)) {
      throw new ConfigurationException(param + ": cannot read " + p);
    }
    return p;
  }

  /**
   * The Lettuce resources all stores share: made on first use and kept for the JVM's life. Their
   * threads are daemons; shutting them down when the last store closes would cost the next store
   * new threads, and leave Netty's global executor thread (not a daemon) running for a second.
   */
  private static ClientResources acquireResources() {
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        shared =
            DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .build();
      }
      return shared;
    }
  }

  /** One endpoint, split. */
  record HostPort(String host, int port) {
    static HostPort of(String endpoint, int defaultPort) {
      int colon = endpoint.lastIndexOf(':');
      if (colon < 0 || endpoint.endsWith("]")) {
        return new HostPort(strip(endpoint), defaultPort);
      }
      return new HostPort(
          strip(endpoint.substring(0, colon)), Integer.parseInt(endpoint.substring(colon + 1)));
    }

    private static String strip(String h) {
      return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }
  }
}
