package io.libkv.testkit.servers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * An emulator of a Consul agent's HTTP API for tests, written from Consul's documentation: the KV
 * store ({@code /v1/kv}, with blocking queries), sessions ({@code /v1/session}, with TTLs, the
 * release and delete behaviours, lock-delay and Consul's up-to-twice-the-TTL invalidation),
 * transactions ({@code /v1/txn}, KV verbs, with the 200/409 result shapes), ACL tokens and the
 * documented status codes and error bodies. Bound to 127.0.0.1 on a free port.
 *
 * <p>Faults for tests: {@link #restart()} (an in-memory dev agent restarted: state lost, index
 * reset), {@link #delay(Duration)} (a slow agent), {@link #hang(boolean)} (one that accepts
 * connections and never answers), {@link #expireSession(String)}. It counts requests so tests can
 * check that a watch does not poll. Test support, not a product: no catalog, health or agent API
 * beyond {@code /v1/status/leader} and {@code /v1/agent/self}.
 *
 * <p>The JDK's HTTP server writes an answer's headers and body in two TCP segments and, unless
 * {@code sun.net.httpserver.nodelay} is true, Nagle's algorithm holds the body until the client's
 * delayed ACK (about 40 ms per request on Linux). It also closes a kept-alive connection after 30 s
 * idle, and a write sent on it at that very moment gets no answer: the client rightly reports an
 * unknown outcome, which makes a test that writes after an idle pause fail once in a long while.
 * Test support only: the emulator sets {@code sun.net.httpserver.nodelay} and a one-hour {@code
 * sun.net.httpserver.idleInterval} in its JVM when nobody has set them (before the JDK's server
 * first reads them); the libkv library itself never touches system properties.
 */
public final class ConsulEmulator implements AutoCloseable {
  static {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    if (System.getProperty("sun.net.httpserver.idleInterval") == null) {
      System.setProperty("sun.net.httpserver.idleInterval", "3600");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
  private static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private static final Pattern UUID_FORM =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** The Raft index a fresh agent starts from (a dev agent has applied a few entries by then). */
  private static final long FIRST_INDEX = 10;

  private final Builder config;
  private final ScheduledExecutorService timers;
  private final ExecutorService handlers;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, AtomicLong> requestsByEndpoint = new ConcurrentHashMap<>();
  private final Object hangLock = new Object();
  private volatile boolean hung;
  private volatile Duration delay = Duration.ZERO;
  private volatile EmulatorState state;
  private volatile boolean closed;
  private @Nullable HttpServer server;
  private final int port;

  private ConsulEmulator(Builder b) {
    this.config = b;
    this.timers =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "consul-emulator-timers"));
    this.handlers = Executors.newCachedThreadPool(r -> daemon(r, "consul-emulator-http"));
    this.state = new EmulatorState(b.node, timers, FIRST_INDEX);
    this.server = bind(b.port);
    this.port = server.getAddress().getPort();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts an emulator with the defaults (session_ttl_min 10s, no ACLs, a free port). */
  public static ConsulEmulator start() {
    return builder().start();
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  private HttpServer bind(int p) {
    try {
      InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), p);
      HttpServer s;
      if (config.sslContext != null) {
        HttpsServer hs = HttpsServer.create(addr, 64);
        hs.setHttpsConfigurator(new HttpsConfigurator(config.sslContext));
        s = hs;
      } else {
        s = HttpServer.create(addr, 64);
      }
      s.createContext("/", this::handle);
      s.setExecutor(handlers);
      s.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the Consul emulator to 127.0.0.1:" + p, e);
    }
  }

  // ---- what tests use

  /** The port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** {@code consul://127.0.0.1:PORT} ({@code consuls://} when serving TLS). */
  public String uri() {
    return (config.sslContext != null ? "consuls://" : "consul://") + address();
  }

  /** The agent's {@code session_ttl_min}. */
  public Duration sessionTtlMin() {
    return config.sessionTtlMin;
  }

  /** Requests received so far (all endpoints). */
  public long requestCount() {
    return requests.get();
  }

  /** Requests received so far by endpoint: "kv", "txn", "session", "status", ... */
  public long requestCount(String endpoint) {
    AtomicLong n = requestsByEndpoint.get(endpoint);
    return n == null ? 0 : n.get();
  }

  /** Requests being served now (blocking queries included). */
  public int inFlight() {
    return inFlight.get();
  }

  /** The current Raft index. */
  public long index() {
    EmulatorState s = state;
    synchronized (s) {
      return s.raftIndex;
    }
  }

  /** IDs of the live sessions. */
  public List<String> sessions() {
    EmulatorState s = state;
    synchronized (s) {
      return new ArrayList<>(s.sessions.keySet());
    }
  }

  /** Invalidates a session now, as if its TTL had run out; false if there is none. */
  public boolean expireSession(String id) {
    EmulatorState s = state;
    synchronized (s) {
      EmulatorState.Session sess = s.sessions.get(id);
      if (sess == null) {
        return false;
      }
      s.invalidate(sess);
      return true;
    }
  }

  /**
   * Drops every KV tombstone, as Consul's tombstone GC does (list indexes may then go backwards).
   */
  public void reapTombstones() {
    EmulatorState s = state;
    synchronized (s) {
      s.reapTombstones();
    }
  }

  /** Makes every request wait {@code d} before it is served (zero: no delay). */
  public void delay(Duration d) {
    this.delay = Objects.requireNonNull(d, "d");
  }

  /** Makes the agent accept requests and never answer them ({@code true}), or answer again. */
  public void hang(boolean hang) {
    synchronized (hangLock) {
      this.hung = hang;
      hangLock.notifyAll();
    }
  }

  /**
   * Restarts the agent as an in-memory dev agent restarts: connections are dropped, every key and
   * session is lost, and the index starts again from where a fresh agent starts. Same port.
   */
  public synchronized void restart() {
    stopServer();
    state = new EmulatorState(config.node, timers, FIRST_INDEX);
    server = bind(port);
  }

  /** Stops the agent without forgetting its port ({@link #restart()} brings it back). */
  public synchronized void stop() {
    stopServer();
  }

  private void stopServer() {
    if (server == null) {
      return;
    }
    EmulatorState old = state;
    synchronized (old) {
      old.kill();
    }
    synchronized (hangLock) {
      hangLock.notifyAll();
    }
    server.stop(0);
    server = null;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopServer();
    handlers.shutdownNow();
    timers.shutdownNow();
  }

  // ---- request handling

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    inFlight.incrementAndGet();
    EmulatorState s = state;
    try {
      String path = ex.getRequestURI().getRawPath();
      requestsByEndpoint.computeIfAbsent(endpointOf(path), k -> new AtomicLong()).incrementAndGet();
      byte[] body = readAll(ex.getRequestBody());
      if (!awaitFaults(s)) {
        throw new IOException(
            "the agent stopped"); // the JDK's server drops the connection, as a dying agent does
      }
      Response r;
      try {
        r = route(ex, s, path, body);
      } catch (HttpError e) {
        r =
            Response.text(
                e.status,
                Objects.requireNonNull(e.getMessage())); // an HttpError always has its body
      } catch (RuntimeException e) {
        r = Response.text(500, e.toString());
      }
      if (s.dead) {
        // this life of the agent ended while the request was blocked: drop the connection
        throw new IOException("the agent stopped");
      }
      send(ex, r);
    } finally {
      inFlight.decrementAndGet();
      ex.close();
    }
  }

  private static String endpointOf(String path) {
    if (!path.startsWith("/v1/")) {
      return "other";
    }
    int slash = path.indexOf('/', 4);
    return slash < 0 ? path.substring(4) : path.substring(4, slash);
  }

  /** Applies delay and hang; false when the agent stopped meanwhile. */
  private boolean awaitFaults(EmulatorState s) {
    Duration d = delay;
    if (!d.isZero()) {
      try {
        Thread.sleep(d.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    synchronized (hangLock) {
      while (hung && !s.dead && !closed) {
        try {
          hangLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return !s.dead;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static void send(HttpExchange ex, Response r) throws IOException {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", r.contentType);
    h.set("Vary", "Accept-Encoding");
    for (Map.Entry<String, String> e : r.headers.entrySet()) {
      h.set(e.getKey(), e.getValue());
    }
    if (r.body.length == 0) {
      ex.sendResponseHeaders(r.status, -1);
      return;
    }
    ex.sendResponseHeaders(r.status, r.body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(r.body);
    }
  }

  /** A response. */
  private static final class Response {
    final int status;
    final byte[] body;
    final String contentType;
    final Map<String, String> headers = new LinkedHashMap<>();

    Response(int status, byte[] body, String contentType) {
      this.status = status;
      this.body = body;
      this.contentType = contentType;
    }

    static Response json(int status, Object value) {
      try {
        return new Response(status, JSON.writeValueAsBytes(value), "application/json");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static Response text(int status, String text) {
      return new Response(
          status, text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    static Response empty(int status) {
      return new Response(status, new byte[0], "text/plain; charset=utf-8");
    }

    Response index(long index) {
      headers.put("X-Consul-Index", Long.toString(Math.max(1, index)));
      headers.put("X-Consul-KnownLeader", "true");
      headers.put("X-Consul-LastContact", "0");
      return this;
    }
  }

  /** An HTTP error with Consul's status and body. */
  private static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** The request's query parameters (decoded; a flag without value maps to ""). */
  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> q = new LinkedHashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String kv : raw.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq >= 0 ? kv.substring(0, eq) : kv, StandardCharsets.UTF_8);
      String v = eq >= 0 ? URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8) : "";
      q.putIfAbsent(k, v);
    }
    return q;
  }

  /** Percent-decodes a path ('+' stays '+', unlike a query). */
  private static String decodePath(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private Response route(HttpExchange ex, EmulatorState s, String rawPath, byte[] body)
      throws IOException {
    Map<String, String> q = query(ex);
    String method = ex.getRequestMethod();
    String dc = q.get("dc");
    if (dc != null && !dc.isEmpty() && !dc.equals(config.datacenter)) {
      throw new HttpError(500, "No path to datacenter");
    }
    if (rawPath.equals("/v1/status/leader")) {
      requireMethod(method, "GET");
      return Response.json(200, "127.0.0.1:8300");
    }
    String token = token(ex, q);
    if (rawPath.equals("/v1/agent/self")) {
      requireMethod(method, "GET");
      authorize(token, "agent:read", config.node);
      ObjectNode self = NODES.objectNode();
      ObjectNode cfg = self.putObject("Config");
      cfg.put("Datacenter", config.datacenter);
      cfg.put("NodeName", config.node);
      cfg.put("Version", "1.16.0-emulated");
      return Response.json(200, self);
    }
    if (rawPath.startsWith("/v1/kv/") || rawPath.equals("/v1/kv")) {
      String key = rawPath.length() <= 7 ? "" : decodePath(rawPath.substring(7));
      return kv(ex, s, method, key, q, token, body);
    }
    if (rawPath.equals("/v1/txn")) {
      requireMethod(method, "PUT");
      return txn(s, body, token);
    }
    if (rawPath.startsWith("/v1/session/")) {
      return session(s, method, rawPath.substring(12), q, token, body);
    }
    return Response.text(404, "404 page not found\n");
  }

  private static void requireMethod(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new HttpError(405, "method " + method + " not allowed");
  }

  // ---- ACLs: one configured token with every right; the anonymous token and an optional known
  // token without policies have none (default deny)

  private static String token(HttpExchange ex, Map<String, String> q) {
    String t = ex.getRequestHeaders().getFirst("X-Consul-Token");
    if (t == null || t.isEmpty()) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        t = auth.substring(7).trim();
      }
    }
    if ((t == null || t.isEmpty()) && q.containsKey("token")) {
      t = q.get("token");
    }
    return t == null ? "" : t;
  }

  /** Whether the request may do {@code permission}; throws the documented 403 otherwise. */
  private void authorize(String token, String permission, String resource) {
    if (config.aclToken == null) {
      return;
    }
    if (token.isEmpty()) {
      throw new HttpError(
          403,
          "Permission denied: anonymous token lacks permission '"
              + permission
              + "' on \""
              + resource
              + "\"");
    }
    if (token.equals(config.noRightsToken)) {
      // Consul names the token by its accessor ID, never by the secret sent
      throw new HttpError(
          403,
          "Permission denied: token with AccessorID '"
              + java.util.UUID.nameUUIDFromBytes(
                  token.getBytes(java.nio.charset.StandardCharsets.UTF_8))
              + "' lacks permission '"
              + permission
              + "' on \""
              + resource
              + "\"");
    }
    if (!token.equals(config.aclToken)) {
      throw new HttpError(403, "ACL not found");
    }
  }

  /** Whether an anonymous caller is denied (for endpoints that filter rather than refuse). */
  private boolean filteredByAcl(String token) {
    if (config.aclToken == null) {
      return false;
    }
    if (!token.isEmpty() && !token.equals(config.aclToken) && !token.equals(config.noRightsToken)) {
      throw new HttpError(403, "ACL not found");
    }
    return !token.equals(config.aclToken);
  }

  // ---- blocking queries

  /**
   * The wait of a blocking query: {@code wait} (default 5m, at most 10m) plus up to wait/16 of
   * jitter.
   */
  private static long waitNanos(Map<String, String> q) {
    Duration wait = DEFAULT_WAIT;
    String w = q.get("wait");
    if (w != null && !w.isEmpty()) {
      try {
        wait = GoDurations.parse(w);
      } catch (IllegalArgumentException e) {
        throw new HttpError(400, "Invalid wait time");
      }
    }
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT;
    }
    long n = wait.toNanos();
    long jitter = n / 16 > 0 ? ThreadLocalRandom.current().nextLong(n / 16) : 0;
    return n + jitter;
  }

  private static long minIndex(Map<String, String> q) {
    String i = q.get("index");
    if (i == null || i.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseUnsignedLong(i);
    } catch (NumberFormatException e) {
      throw new HttpError(400, "Invalid index");
    }
  }

  /** A query whose result carries an index. */
  private interface Query<T> {
    T run();

    long index(T result);
  }

  /** A query's result with the index read in the same critical section (never a later one). */
  private record Indexed<T>(T value, long index) {}

  /**
   * Runs a query; with {@code ?index=N} it waits (up to the wait time) until the result's index is
   * above N, as Consul's blockingQuery does: an index that went backwards (agent restarted) is only
   * returned when the wait ends. The result and its index come from one state: an index read after
   * a later write would make the client's next query wait past a change it never saw.
   */
  private static <T> Indexed<T> blocking(EmulatorState s, Map<String, String> q, Query<T> query) {
    long min = minIndex(q);
    long deadline = System.nanoTime() + (min > 0 ? waitNanos(q) : 0);
    synchronized (s) {
      while (true) {
        T r = query.run();
        long idx = query.index(r);
        if (min == 0 || idx > min || s.dead) {
          return new Indexed<>(r, idx);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return new Indexed<>(r, idx);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(s, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new Indexed<>(r, idx);
        }
      }
    }
  }

  // ---- /v1/kv

  private Response kv(
      HttpExchange ex,
      EmulatorState s,
      String method,
      String key,
      Map<String, String> q,
      String token,
      byte[] body)
      throws IOException {
    if (key.contains("../") || key.contains("..\\")) {
      throw new HttpError(400, "URL path contains invalid traversal sequence");
    }
    switch (method) {
      case "GET":
        return q.containsKey("keys") ? kvKeys(s, key, q, token) : kvGet(s, key, q, token);
      case "PUT":
        return kvPut(ex, s, key, q, token, body);
      case "DELETE":
        return kvDelete(s, key, q, token);
      default:
        throw new HttpError(405, "method " + method + " not allowed");
    }
  }

  private Response kvGet(EmulatorState s, String key, Map<String, String> q, String token) {
    boolean recurse = q.containsKey("recurse");
    if (!recurse && key.isEmpty()) {
      throw new HttpError(400, "Missing key name");
    }
    if (recurse) {
      boolean filtered = filteredByAcl(token);
      Indexed<List<EmulatorState.Entry>> found =
          blocking(
              s,
              q,
              new Query<>() {
                @Override
                public List<EmulatorState.Entry> run() {
                  return s.list(key);
                }

                @Override
                public long index(List<EmulatorState.Entry> r) {
                  return s.listIndex(key);
                }
              });
      List<EmulatorState.Entry> entries = found.value();
      long idx = found.index();
      if (filtered) {
        Response r = Response.empty(404).index(idx);
        r.headers.put("X-Consul-Results-Filtered-By-ACLs", "true");
        return r;
      }
      if (entries.isEmpty()) {
        return Response.empty(404).index(idx);
      }
      return Response.json(200, entriesJson(entries, true)).index(idx);
    }
    authorize(token, "key:read", key);
    Indexed<Optional<EmulatorState.Entry>> found =
        blocking(
            s,
            q,
            new Query<>() {
              @Override
              public Optional<EmulatorState.Entry> run() {
                return Optional.ofNullable(s.get(key));
              }

              @Override
              public long index(Optional<EmulatorState.Entry> r) {
                return r.isPresent() ? r.get().modifyIndex : s.getIndex(key);
              }
            });
    EmulatorState.Entry e = found.value().orElse(null);
    long idx = found.index();
    if (e == null) {
      return Response.empty(404).index(idx);
    }
    if (q.containsKey("raw")) {
      Response r =
          new Response(200, e.value == null ? new byte[0] : e.value, "text/plain").index(idx);
      r.headers.put("X-Content-Type-Options", "nosniff");
      r.headers.put("Content-Security-Policy", "sandbox");
      return r;
    }
    return Response.json(200, entriesJson(List.of(e), true)).index(idx);
  }

  private Response kvKeys(EmulatorState s, String prefix, Map<String, String> q, String token) {
    boolean filtered = filteredByAcl(token);
    String sep = q.containsKey("separator") ? q.get("separator") : q.getOrDefault("seperator", "");
    Indexed<List<String>> found =
        blocking(
            s,
            q,
            new Query<>() {
              @Override
              public List<String> run() {
                Set<String> out = new LinkedHashSet<>();
                for (EmulatorState.Entry e : s.list(prefix)) {
                  String k = e.key;
                  if (!sep.isEmpty()) {
                    int at = k.indexOf(sep, prefix.length());
                    if (at >= 0) {
                      k = k.substring(0, at + sep.length());
                    }
                  }
                  out.add(k);
                }
                return new ArrayList<>(out);
              }

              @Override
              public long index(List<String> r) {
                return s.listIndex(prefix);
              }
            });
    List<String> keys = found.value();
    long idx = found.index();
    if (filtered) {
      keys = List.of();
    }
    if (keys.isEmpty() && !prefix.isEmpty()) {
      return Response.empty(404).index(idx);
    }
    ArrayNode a = NODES.arrayNode();
    keys.forEach(a::add);
    return Response.json(200, a).index(idx);
  }

  private static void conflicting(Map<String, String> q, String... flags) {
    int n = 0;
    for (String f : flags) {
      if (q.containsKey(f)) {
        n++;
      }
    }
    if (n > 1) {
      StringBuilder b = new StringBuilder();
      q.keySet().stream()
          .sorted()
          .forEach(
              k -> b.append(b.length() == 0 ? "" : "&").append(k).append('=').append(q.get(k)));
      throw new HttpError(400, "Conflicting flags: " + b + "\n");
    }
  }

  private static long unsigned(String v) {
    try {
      return Long.parseUnsignedLong(v);
    } catch (NumberFormatException e) {
      throw new HttpError(
          500, "strconv.ParseUint: parsing " + EmulatorState.goQuote(v) + ": invalid syntax");
    }
  }

  private Response kvPut(
      HttpExchange ex,
      EmulatorState s,
      String key,
      Map<String, String> q,
      String token,
      byte[] body) {
    if (key.isEmpty()) {
      throw new HttpError(400, "Missing key name");
    }
    conflicting(q, "cas", "acquire", "release");
    String verb = "set";
    long flags = q.containsKey("flags") ? unsigned(q.get("flags")) : 0;
    long cas = 0;
    String session = "";
    if (q.containsKey("cas")) {
      cas = unsigned(q.get("cas"));
      verb = "cas";
    }
    if (q.containsKey("acquire")) {
      session = q.get("acquire");
      verb = "lock";
    }
    if (q.containsKey("release")) {
      session = q.get("release");
      verb = "unlock";
    }
    long contentLength = body.length;
    String cl = ex.getRequestHeaders().getFirst("Content-Length");
    if (cl != null) {
      contentLength = Long.parseLong(cl.trim());
    }
    if (contentLength > config.kvMaxValueSize) {
      throw new HttpError(
          413,
          "Request body("
              + contentLength
              + " bytes) too large, max size: "
              + config.kvMaxValueSize
              + " bytes. See "
              + "https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.");
    }
    authorize(token, "key:write", key);
    EmulatorState.KvOp op = new EmulatorState.KvOp(verb, key, body, flags, cas, session);
    boolean ok;
    synchronized (s) {
      if (verb.equals("lock") || verb.equals("unlock")) {
        if (session.isEmpty()) {
          throw new HttpError(500, "missing session");
        }
        if (verb.equals("lock") && !s.sessions.containsKey(session)) {
          throw new HttpError(500, "invalid session " + EmulatorState.goQuote(session));
        }
      }
      EmulatorState.TxnOutcome out = s.apply(List.of(op), System.nanoTime());
      ok = out.errors.isEmpty();
    }
    // a plain set always reports true; cas, acquire and release report whether they applied
    return Response.json(200, verb.equals("set") || ok);
  }

  private Response kvDelete(EmulatorState s, String key, Map<String, String> q, String token) {
    conflicting(q, "recurse", "cas");
    String verb = "delete";
    if (q.containsKey("recurse")) {
      verb = "delete-tree";
    } else if (key.isEmpty()) {
      throw new HttpError(400, "Missing key name");
    }
    long cas = 0;
    if (q.containsKey("cas")) {
      cas = unsigned(q.get("cas"));
      verb = "delete-cas";
    }
    authorize(token, "key:write", key);
    boolean ok;
    synchronized (s) {
      ok =
          s.apply(List.of(new EmulatorState.KvOp(verb, key, null, 0, cas, "")), System.nanoTime())
              .errors
              .isEmpty();
    }
    return Response.json(200, !verb.equals("delete-cas") || ok);
  }

  private static ArrayNode entriesJson(List<EmulatorState.Entry> entries, boolean withValues) {
    ArrayNode a = NODES.arrayNode();
    for (EmulatorState.Entry e : entries) {
      a.add(entryJson(e, withValues));
    }
    return a;
  }

  /** A DirEntry as Consul serialises it (Session omitted when empty, Value base64 or null). */
  private static ObjectNode entryJson(EmulatorState.Entry e, boolean withValue) {
    ObjectNode o = NODES.objectNode();
    o.put("LockIndex", e.lockIndex);
    o.put("Key", e.key);
    o.put("Flags", e.flags);
    if (withValue && e.value != null) {
      o.put("Value", Base64.getEncoder().encodeToString(e.value));
    } else {
      o.putNull("Value");
    }
    if (!e.session.isEmpty()) {
      o.put("Session", e.session);
    }
    o.put("CreateIndex", e.createIndex);
    o.put("ModifyIndex", e.modifyIndex);
    return o;
  }

  // ---- /v1/txn

  /** A field of a Go-decoded object: Go's JSON decoder matches names case-insensitively. */
  private static @Nullable JsonNode field(JsonNode o, String name) {
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String text(JsonNode o, String name) {
    JsonNode n = field(o, name);
    if (n == null || n.isNull()) {
      return "";
    }
    if (!n.isTextual()) {
      throw new HttpError(
          400,
          "Failed to parse body: json: cannot unmarshal "
              + n.getNodeType().name().toLowerCase(Locale.ROOT)
              + " into Go struct field KVTxnOp."
              + name
              + " of type string");
    }
    return n.asText();
  }

  private static long number(JsonNode o, String name) {
    JsonNode n = field(o, name);
    if (n == null || n.isNull()) {
      return 0;
    }
    if (!n.isIntegralNumber()) {
      throw new HttpError(
          400,
          "Failed to parse body: json: cannot unmarshal "
              + n.getNodeType().name().toLowerCase(Locale.ROOT)
              + " into Go struct field KVTxnOp."
              + name
              + " of type uint64");
    }
    return n.asLong();
  }

  private Response txn(EmulatorState s, byte[] body, String token) {
    long maxLen = Math.max(config.txnMaxReqLen, config.kvMaxValueSize);
    if (body.length > maxLen) {
      return Response.text(413, "Request body too large, max size: " + maxLen + " bytes");
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return Response.text(400, "Failed to parse body: " + jsonMessage(e));
    }
    if (root == null || !root.isArray()) {
      return Response.text(
          400,
          "Failed to parse body: json: cannot unmarshal "
              + (root == null ? "null" : root.getNodeType().name().toLowerCase(Locale.ROOT))
              + " into Go value of type api.TxnOps");
    }
    if (root.size() > config.maxTxnOps) {
      return Response.text(
          413,
          "Transaction contains too many operations ("
              + root.size()
              + " > "
              + config.maxTxnOps
              + ")");
    }
    List<EmulatorState.KvOp> ops = new ArrayList<>();
    List<Map.Entry<Integer, String>> unsupported = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode op = root.get(i);
      JsonNode kvOp = op == null || !op.isObject() ? null : field(op, "KV");
      if (kvOp == null || kvOp.isNull()) {
        // catalog operations are beyond the emulator: report them as Consul reports a failed op
        unsupported.add(
            Map.entry(
                i,
                op != null && op.isObject() && op.size() > 0
                    ? "the Consul emulator does not emulate "
                        + op.fieldNames().next()
                        + " operations"
                    : "no operation specified"));
        ops.add(new EmulatorState.KvOp("get-or-empty", "-", null, 0, 0, ""));
        continue;
      }
      byte[] value = null;
      JsonNode v = field(kvOp, "Value");
      if (v != null && !v.isNull()) {
        try {
          value = Base64.getDecoder().decode(v.asText());
        } catch (IllegalArgumentException e) {
          return Response.text(
              400, "Failed to parse body: failed to decode value: illegal base64 data");
        }
      }
      String key = text(kvOp, "Key");
      if (value != null && value.length > config.kvMaxValueSize) {
        return Response.text(
            413,
            "Value for key "
                + EmulatorState.goQuote(key)
                + " is too large ("
                + value.length
                + " > "
                + config.kvMaxValueSize
                + " bytes)");
      }
      ops.add(
          new EmulatorState.KvOp(
              text(kvOp, "Verb"),
              key,
              value,
              number(kvOp, "Flags"),
              number(kvOp, "Index"),
              text(kvOp, "Session")));
    }
    for (EmulatorState.KvOp op : ops) {
      authorize(token, op.isWrite() ? "key:write" : "key:read", op.key);
    }
    EmulatorState.TxnOutcome out;
    if (!unsupported.isEmpty()) {
      out = new EmulatorState.TxnOutcome(null, unsupported);
    } else {
      synchronized (s) {
        out = s.apply(ops, System.nanoTime());
      }
    }
    ObjectNode resp = NODES.objectNode();
    if (out.errors.isEmpty()) {
      ArrayNode results = resp.putArray("Results");
      // a transaction without errors has its results
      for (EmulatorState.Entry e : Objects.requireNonNull(out.results)) {
        results.addObject().set("KV", entryJson(e, e.value != null));
      }
      resp.putNull("Errors");
      return Response.json(200, resp);
    }
    resp.putNull("Results");
    ArrayNode errors = resp.putArray("Errors");
    for (Map.Entry<Integer, String> e : out.errors) {
      errors.addObject().put("OpIndex", e.getKey()).put("What", e.getValue());
    }
    return Response.json(409, resp);
  }

  // ---- /v1/session

  private Response session(
      EmulatorState s,
      String method,
      String rest,
      Map<String, String> q,
      String token,
      byte[] body) {
    int slash = rest.indexOf('/');
    String op = slash < 0 ? rest : rest.substring(0, slash);
    String arg = slash < 0 ? "" : decodePath(rest.substring(slash + 1));
    switch (op) {
      case "create":
        requireMethod(method, "PUT");
        return sessionCreate(s, body, token);
      case "destroy":
        requireMethod(method, "PUT");
        return sessionDestroy(s, arg, token);
      case "renew":
        requireMethod(method, "PUT");
        return sessionRenew(s, arg, token);
      case "info":
        requireMethod(method, "GET");
        return sessionQuery(
            s,
            q,
            token,
            () -> {
              EmulatorState.Session sess = s.sessions.get(arg);
              return sess == null ? List.of() : List.of(sess);
            });
      case "list":
        requireMethod(method, "GET");
        return sessionQuery(s, q, token, () -> new ArrayList<>(s.sessions.values()));
      case "node":
        requireMethod(method, "GET");
        return sessionQuery(
            s,
            q,
            token,
            () -> {
              List<EmulatorState.Session> out = new ArrayList<>();
              for (EmulatorState.Session sess : s.sessions.values()) {
                if (sess.node.equals(arg)) {
                  out.add(sess);
                }
              }
              return out;
            });
      default:
        return Response.text(404, "404 page not found\n");
    }
  }

  private Response sessionCreate(EmulatorState s, byte[] body, String token) {
    Duration lockDelay = Duration.ofSeconds(15);
    String name = "";
    String node = config.node;
    String behavior = "release";
    String ttl = "";
    if (body.length > 0) {
      JsonNode o;
      try {
        o = JSON.readTree(body);
      } catch (IOException e) {
        throw new HttpError(400, "Request decode failed: " + jsonMessage(e));
      }
      if (o != null && !o.isNull()) {
        if (!o.isObject()) {
          throw new HttpError(
              400,
              "Request decode failed: json: cannot unmarshal "
                  + o.getNodeType().name().toLowerCase(Locale.ROOT)
                  + " into Go value of type structs.Session");
        }
        JsonNode ld = field(o, "LockDelay");
        if (ld != null && !ld.isNull()) {
          if (ld.isNumber()) {
            long n = ld.asLong();
            // the agent reads small numbers as seconds, larger ones as nanoseconds
            lockDelay = n < 1000 ? Duration.ofSeconds(n) : Duration.ofNanos(n);
          } else {
            try {
              lockDelay = GoDurations.parse(ld.asText());
            } catch (IllegalArgumentException e) {
              throw new HttpError(400, "Request decode failed: " + e.getMessage());
            }
          }
        }
        JsonNode nameField = field(o, "Name");
        name = nameField == null ? "" : nameField.asText("");
        JsonNode nodeField = field(o, "Node");
        if (nodeField != null && !nodeField.asText("").isEmpty()) {
          node = nodeField.asText();
        }
        JsonNode behaviorField = field(o, "Behavior");
        if (behaviorField != null && !behaviorField.asText("").isEmpty()) {
          behavior = behaviorField.asText();
        }
        JsonNode ttlField = field(o, "TTL");
        if (ttlField != null) {
          ttl = ttlField.asText("");
        }
        for (String checks : List.of("Checks", "NodeChecks")) {
          JsonNode c = field(o, checks);
          if (c != null && c.isArray()) {
            for (JsonNode id : c) {
              if (!"serfHealth".equals(id.asText())) {
                throw new HttpError(500, "Missing check '" + id.asText() + "' registration");
              }
            }
          }
        }
      }
    }
    authorize(token, "session:write", node);
    if (!behavior.equals("release") && !behavior.equals("delete")) {
      throw new HttpError(500, "Invalid Behavior setting '" + behavior + "'");
    }
    Duration ttlDuration = null;
    if (!ttl.isEmpty()) {
      try {
        ttlDuration = GoDurations.parse(ttl);
      } catch (IllegalArgumentException e) {
        throw new HttpError(500, "Session TTL '" + ttl + "' invalid: " + e.getMessage());
      }
      if (!ttlDuration.isZero()
          && (ttlDuration.compareTo(config.sessionTtlMin) < 0
              || ttlDuration.compareTo(EmulatorState.SESSION_TTL_MAX) > 0)) {
        throw new HttpError(
            500,
            "Invalid Session TTL '"
                + ttlDuration.toNanos()
                + "', must be between ["
                + GoDurations.format(config.sessionTtlMin)
                + "="
                + GoDurations.format(EmulatorState.SESSION_TTL_MAX)
                + "]");
      }
    }
    if (!node.equals(config.node)) {
      throw new HttpError(500, "Missing node registration");
    }
    EmulatorState.Session sess;
    synchronized (s) {
      sess = s.createSession(name, node, lockDelay, behavior, ttl, ttlDuration);
    }
    ObjectNode out = NODES.objectNode();
    out.put("ID", sess.id);
    return Response.json(200, out);
  }

  private Response sessionDestroy(EmulatorState s, String id, String token) {
    if (id.isEmpty()) {
      throw new HttpError(400, "Missing session");
    }
    if (!UUID_FORM.matcher(id).matches()) {
      throw new HttpError(500, "Session destroy failed: invalid UUID " + EmulatorState.goQuote(id));
    }
    authorize(token, "session:write", config.node);
    synchronized (s) {
      s.destroy(id);
    }
    return Response.json(200, true);
  }

  private Response sessionRenew(EmulatorState s, String id, String token) {
    if (id.isEmpty()) {
      throw new HttpError(400, "Missing session");
    }
    authorize(token, "session:write", config.node);
    EmulatorState.Session sess;
    synchronized (s) {
      sess = s.renew(id);
    }
    if (sess == null) {
      return Response.text(404, "Session id '" + id + "' not found");
    }
    ArrayNode a = NODES.arrayNode();
    a.add(sessionJson(sess));
    return Response.json(200, a);
  }

  /** The sessions of a session query. */
  private interface SessionQuery {
    List<EmulatorState.Session> run();
  }

  private Response sessionQuery(
      EmulatorState s, Map<String, String> q, String token, SessionQuery query) {
    authorize(token, "session:read", config.node);
    Indexed<List<EmulatorState.Session>> result =
        blocking(
            s,
            q,
            new Query<>() {
              @Override
              public List<EmulatorState.Session> run() {
                return query.run();
              }

              @Override
              public long index(List<EmulatorState.Session> r) {
                return Math.max(1, s.sessionsIndex);
              }
            });
    long idx = result.index();
    ArrayNode a = NODES.arrayNode();
    for (EmulatorState.Session sess : result.value()) {
      a.add(sessionJson(sess));
    }
    return Response.json(200, a).index(idx);
  }

  private static ObjectNode sessionJson(EmulatorState.Session sess) {
    ObjectNode o = NODES.objectNode();
    o.put("ID", sess.id);
    o.put("Name", sess.name);
    o.put("Node", sess.node);
    o.put("LockDelay", sess.lockDelay.toNanos());
    o.put("Behavior", sess.behavior);
    o.put("TTL", sess.ttl);
    o.putArray("NodeChecks").add("serfHealth");
    o.putNull("ServiceChecks");
    o.put("CreateIndex", sess.createIndex);
    o.put("ModifyIndex", sess.createIndex);
    return o;
  }

  private static @Nullable String jsonMessage(IOException e) {
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException
        ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage()
        : e.getMessage();
  }

  /** Reads a whole stream (for tests that speak raw HTTP). */
  static byte[] drain(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  /** Configures an emulator. */
  public static final class Builder {
    private Duration sessionTtlMin = Duration.ofSeconds(10);
    private @Nullable String aclToken;
    private @Nullable String noRightsToken;
    private long kvMaxValueSize = 512 * 1024;
    private long txnMaxReqLen = 512 * 1024;
    private int maxTxnOps = 64;
    private String node = "emulator";
    private String datacenter = "dc1";
    private int port;
    private @Nullable SSLContext sslContext;

    private Builder() {}

    /** The agent's {@code session_ttl_min} (Consul's default: 10s). */
    public Builder sessionTtlMin(Duration d) {
      this.sessionTtlMin = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Enables ACLs (default policy deny) with one token that may do everything. */
    public Builder aclToken(String token) {
      this.aclToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /**
     * A second token the agent knows but whose policies grant nothing: refused as Consul refuses a
     * token without the right (403 "Permission denied: token with AccessorID ... lacks permission
     * ..."), not as an unknown one ("ACL not found"). Needs {@link #aclToken}.
     */
    public Builder noRightsToken(String token) {
      this.noRightsToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /** The agent's {@code kv_max_value_size} (default 512 KiB). */
    public Builder kvMaxValueSize(long bytes) {
      this.kvMaxValueSize = bytes;
      return this;
    }

    /** The agent's {@code txn_max_req_len} (default 512 KiB). */
    public Builder txnMaxReqLen(long bytes) {
      this.txnMaxReqLen = bytes;
      return this;
    }

    /** The most operations a transaction may hold (64 in the Consul versions emulated). */
    public Builder maxTxnOps(int n) {
      this.maxTxnOps = n;
      return this;
    }

    /** The node name (default "emulator"). */
    public Builder node(String name) {
      this.node = Objects.requireNonNull(name, "name");
      return this;
    }

    /** The datacenter (default "dc1"). */
    public Builder datacenter(String dc) {
      this.datacenter = Objects.requireNonNull(dc, "dc");
      return this;
    }

    /** The port on 127.0.0.1 (default: a free one). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Serves HTTPS with this context (its key manager holds the server certificate). */
    public Builder tls(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** Starts the emulator. */
    public ConsulEmulator start() {
      return new ConsulEmulator(this);
    }
  }
}
