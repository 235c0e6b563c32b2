package io.libkv.consul.internal;

import io.libkv.Durations;
import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Consul's HTTP API over the shared {@link HttpClient}: endpoints tried in turn (sticking to the
 * last that answered), the ACL token as {@code X-Consul-Token}, the datacenter, the operation
 * timeout, and transport failures mapped to {@link StoreUnavailableException} (nothing was sent, or
 * a read) or {@link UnknownOutcomeException} (a write was sent and its answer lost).
 */
final class ConsulClient {
  /** What the store hears about reachability, for connection-state events. */
  interface Health {
    void reachable();

    void unreachable();
  }

  /** An HTTP answer. */
  static final class Reply {
    final int status;
    final byte[] body;

    /** The X-Consul-Index header, or -1. */
    final long index;

    Reply(int status, byte[] body, long index) {
      this.status = status;
      this.body = body;
      this.index = index;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8).trim();
    }
  }

  private final HttpClient http;
  private final List<String> endpoints;
  private final List<String> bases;
  private final @Nullable String token;
  private final @Nullable String dcQuery;
  private final Duration timeout;
  private final String store;
  private final Health health;
  private final AtomicInteger current = new AtomicInteger();

  ConsulClient(
      HttpClient http,
      List<String> endpoints,
      boolean tls,
      @Nullable String token,
      @Nullable String datacenter,
      Duration timeout,
      String store,
      Health health) {
    this.http = http;
    this.endpoints = List.copyOf(endpoints);
    List<String> b = new ArrayList<>();
    for (String e : endpoints) {
      b.add((tls ? "https://" : "http://") + e);
    }
    this.bases = b;
    this.token = token;
    this.dcQuery = datacenter == null ? null : "dc=" + encodeQuery(datacenter);
    this.timeout = timeout;
    this.store = store;
    this.health = health;
  }

  List<String> endpoints() {
    return endpoints;
  }

  Duration timeout() {
    return timeout;
  }

  /** The endpoint requests go to first (the last one that answered). */
  String currentEndpoint() {
    return endpoints.get(current.get());
  }

  private HttpRequest request(
      int endpoint,
      String method,
      String path,
      @Nullable String query,
      byte @Nullable [] body,
      Duration t) {
    StringBuilder u = new StringBuilder(bases.get(endpoint)).append(path);
    boolean q = false;
    if (query != null && !query.isEmpty()) {
      u.append('?').append(query);
      q = true;
    }
    if (dcQuery != null) {
      u.append(q ? '&' : '?').append(dcQuery);
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(u.toString())).timeout(t);
    if (token != null) {
      b.header("X-Consul-Token", token);
    }
    if (body != null) {
      b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    } else if ("GET".equals(method)) {
      b.GET();
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  private static Reply reply(HttpResponse<byte[]> r) {
    long index = r.headers().firstValueAsLong("X-Consul-Index").orElse(-1);
    return new Reply(r.statusCode(), r.body(), index);
  }

  /**
   * Sends a request, trying each endpoint once from the one that last answered. A failure to
   * connect moves on to the next endpoint (nothing was sent); so does any failure of a read. A
   * write whose request was sent and not answered is not retried anywhere.
   *
   * @param idempotent whether the request may be repeated (reads)
   * @param key the key concerned, for messages (or null)
   * @throws StoreUnavailableException when no endpoint answered
   * @throws UnknownOutcomeException when a write was sent and its answer lost
   */
  Reply call(
      String method,
      String path,
      @Nullable String query,
      byte @Nullable [] body,
      boolean idempotent,
      @Nullable String key) {
    int n = endpoints.size();
    int start = current.get();
    List<String> tried = new ArrayList<>(n);
    Exception last = null;
    for (int i = 0; i < n; i++) {
      int ep = (start + i) % n;
      tried.add(endpoints.get(ep));
      try {
        HttpResponse<byte[]> r =
            http.send(
                request(ep, method, path, query, body, timeout),
                HttpResponse.BodyHandlers.ofByteArray());
        current.set(ep);
        health.reachable();
        return reply(r);
      } catch (HttpConnectTimeoutException | ConnectException e) {
        last = e;
      } catch (IOException e) {
        last = e;
        if (!idempotent) {
          // the next call starts elsewhere: this endpoint just failed us
          current.compareAndSet(start, (ep + 1) % n);
          health.unreachable();
          throw new UnknownOutcomeException(
              describe(e) + " after the request was sent; it may or may not have applied",
              key,
              store,
              tried,
              e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (!idempotent) {
          throw new UnknownOutcomeException(
              "interrupted after the request was sent; it may or may not have applied",
              key,
              store,
              tried,
              e);
        }
        throw new StoreUnavailableException("interrupted", key, store, tried, e);
      }
    }
    current.compareAndSet(start, (start + 1) % n);
    health.unreachable();
    throw new StoreUnavailableException(describe(last), key, store, tried, last);
  }

  /**
   * Sends a read without blocking the caller (for blocking queries): one endpoint, the current one;
   * a failure moves the next attempt to the next endpoint. Cancelling the future aborts the
   * request.
   */
  CompletableFuture<Reply> callAsync(String path, String query, Duration requestTimeout) {
    int ep = current.get();
    int n = endpoints.size();
    return http.sendAsync(
            request(ep, "GET", path, query, null, requestTimeout),
            HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (r, e) -> {
              if (e == null) {
                health.reachable();
                return reply(r);
              }
              Throwable cause =
                  e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
              current.compareAndSet(ep, (ep + 1) % n);
              if (cause instanceof IOException) {
                health.unreachable();
              }
              throw new CompletionException(
                  new StoreUnavailableException(
                      describe(cause), null, store, List.of(endpoints.get(ep)), cause));
            });
  }

  private String describe(@Nullable Throwable e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "could not connect within the connect timeout";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer within the timeout of " + Durations.format(timeout);
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    return e == null
        ? "no endpoint"
        : "connection failed ("
            + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage())
            + ")";
  }

  /**
   * Percent-encodes a key for a URL path: '/' stays, every other byte outside the unreserved set is
   * escaped.
   */
  static String encodePath(String key) {
    StringBuilder b = null;
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int c = bytes[i] & 0xff;
      boolean plain =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || c == '-'
              || c == '.'
              || c == '_'
              || c == '~'
              || c == '/';
      if (plain) {
        if (b != null) {
          b.append((char) c);
        }
      } else {
        if (b == null) {
          b = new StringBuilder(bytes.length + 16);
          for (int j = 0; j < i; j++) {
            b.append((char) bytes[j]);
          }
        }
        b.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b == null ? key : b.toString();
  }

  /** Percent-encodes a query value. */
  static String encodeQuery(String v) {
    return encodePath(v).replace("/", "%2F");
  }
}
