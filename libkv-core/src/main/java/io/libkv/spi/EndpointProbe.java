package io.libkv.spi;

import io.libkv.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds out what listens at an endpoint a backend could not connect to, so that its error says
 * what answered instead of only that the client gave up: nothing (refused, unresolvable, silent),
 * an etcd server, a ZooKeeper server, another HTTP/1 server (Consul's API is one), or a TLS
 * server. Used only after a connection failed: it opens at most two short plain TCP connections,
 * each bounded by the given timeout, and sends requests that change nothing on any server.
 */
public final class EndpointProbe {
  /** What answered at an endpoint. */
  public enum Kind {
    /** Nothing answered: refused, unresolvable, or no reply in time. */
    NOTHING,
    /** An etcd server (its HTTP/1 {@code /version} answered). */
    ETCD,
    /** A ZooKeeper server (its {@code srvr} command answered). */
    ZOOKEEPER,
    /** An HTTP/1 server that is not etcd (a Consul agent is one). */
    HTTP1,
    /** A server that speaks TLS on this port. */
    TLS,
    /** Something that accepted the connection but answered neither probe. */
    UNKNOWN
  }

  /**
   * The outcome of a probe.
   *
   * @param kind what answered
   * @param detail one phrase saying so, e.g. {@code "an etcd server (version 3.5.9) answered"}
   */
  public record Result(Kind kind, String detail) {}

  private static final Pattern ETCD_VERSION = Pattern.compile("\"etcdserver\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern ZK_VERSION = Pattern.compile("Zookeeper version: ([^,\\s-]+)");
  private static final int MAX_REPLY = 2048;

  private EndpointProbe() {}

  /**
   * Probes {@code endpoint} ({@code host:port}, IPv6 hosts in brackets).
   *
   * @param timeout bound on each connect and each wait for a reply
   */
  public static Result probe(String endpoint, Duration timeout) {
    String host = host(endpoint);
    int port;
    try {
      port = port(endpoint);
    } catch (NumberFormatException e) {
      return new Result(Kind.NOTHING, "no port in " + endpoint);
    }
    int millis = millis(timeout);
    String http;
    try {
      http = exchange(host, port, millis, "GET /version HTTP/1.0\r\nHost: " + host + "\r\n\r\n");
    } catch (UnknownHostException e) {
      return new Result(Kind.NOTHING, "the host name " + host + " is unknown");
    } catch (ConnectException e) {
      return new Result(Kind.NOTHING, "nothing listens there (connection refused)");
    } catch (NoRouteToHostException e) {
      return new Result(Kind.NOTHING, "no route to the host");
    } catch (SocketTimeoutException e) {
      return new Result(Kind.NOTHING, "no answer to a TCP connect within " + Durations.format(timeout)
          + " (a wrong host, or a firewall dropping packets)");
    } catch (IOException e) {
      return new Result(Kind.NOTHING, "the connection failed (" + e.getMessage() + ")");
    }
    if (http.startsWith("HTTP/1.")) {
      Matcher m = ETCD_VERSION.matcher(http);
      if (m.find()) {
        return new Result(Kind.ETCD, "an etcd server (version " + m.group(1) + ") answered");
      }
      if (http.toLowerCase(Locale.ROOT).contains("http request to an https server")) {
        return new Result(Kind.TLS, "a TLS server answered (it refused a plaintext request)");
      }
      return new Result(Kind.HTTP1, "an HTTP/1 server answered (" + firstLine(http) + ")");
    }
    if (!http.isEmpty() && http.charAt(0) == 0x15) {
      // a TLS alert record: the server read the request as a broken handshake
      return new Result(Kind.TLS, "a TLS server answered (a TLS alert to a plaintext request)");
    }
    String zk;
    try {
      zk = exchange(host, port, millis, "srvr");
    } catch (IOException e) {
      zk = "";
    }
    Matcher m = ZK_VERSION.matcher(zk);
    if (m.find()) {
      return new Result(Kind.ZOOKEEPER, "a ZooKeeper server (version " + m.group(1) + ") answered");
    }
    if (zk.contains("is not executed because it is not in the whitelist")) {
      return new Result(Kind.ZOOKEEPER, "a ZooKeeper server answered");
    }
    return new Result(Kind.UNKNOWN, http.isEmpty() ? "a server accepted the connection but answered neither an HTTP"
        + " request nor ZooKeeper's srvr command" : "a server answered with something else (" + firstLine(http) + ")");
  }

  /**
   * One phrase for a backend's failed connect: what answered at each endpoint and the likely cause,
   * e.g. {@code "a ZooKeeper server (version 3.8.4) answered: this looks like ZooKeeper, use
   * zk://"} (each prefixed by its endpoint when there are several). Empty when no endpoint gives a
   * likely cause (the expected server answered with no TLS mismatch, or the answer was not
   * recognised): the client's own error then says more.
   *
   * @param backend the backend that expected to connect: {@code "etcd"}, {@code "zookeeper"} or
   *     {@code "consul"}
   * @param tls whether the client spoke TLS
   * @param timeout bound on each connect and each wait for a reply
   */
  public static Optional<String> explain(String backend, boolean tls, List<String> endpoints, Duration timeout) {
    StringBuilder b = new StringBuilder();
    boolean explained = false;
    for (String e : endpoints) {
      Result r = probe(e, timeout);
      // the exception names the endpoints: repeat them only to tell several apart
      b.append(b.length() == 0 ? "" : "; ").append(endpoints.size() > 1 ? e + ": " : "").append(r.detail());
      String cause = cause(backend, tls, r.kind());
      if (!cause.isEmpty()) {
        b.append(": ").append(cause);
        explained = true;
      }
    }
    return explained ? Optional.of(b.toString()) : Optional.empty();
  }

  private static String cause(String backend, boolean tls, Kind kind) {
    switch (kind) {
      case NOTHING:
        return "check the host and port";
      case TLS:
        return tls ? "" : "the server speaks TLS, use " + tlsHint(backend);
      case ETCD:
      case ZOOKEEPER:
      case HTTP1:
        String found = kind == Kind.ETCD ? "etcd" : kind == Kind.ZOOKEEPER ? "zookeeper" : "consul";
        if (found.equals(backend)) {
          return tls ? "TLS handshake failed: the server speaks plaintext (drop TLS from the URI)" : "";
        }
        return kind == Kind.ETCD ? "this looks like etcd, use etcd://"
            : kind == Kind.ZOOKEEPER ? "this looks like ZooKeeper, use zk://"
            : "this looks like an HTTP/1 server, not " + name(backend) + " (a Consul agent is one: consul://)";
      default:
        // a TLS server may just close on plaintext: the client's own error says more
        return "";
    }
  }

  private static String name(String backend) {
    return backend.equals("zookeeper") ? "ZooKeeper" : backend.equals("etcd") ? "etcd" : "Consul";
  }

  private static String tlsHint(String backend) {
    return backend.equals("etcd") ? "etcds://" : backend.equals("consul") ? "consuls://" : "the tls parameter";
  }

  /**
   * Sends {@code request} (plain text, e.g. ZooKeeper's {@code srvr}) to {@code endpoint} and returns
   * the reply read until the server closes or {@code timeout} passes; empty if it cannot connect or
   * nothing came back.
   */
  public static Optional<String> ask(String endpoint, String request, Duration timeout) {
    try {
      String reply = exchange(host(endpoint), port(endpoint), millis(timeout), request);
      return reply.isEmpty() ? Optional.empty() : Optional.of(reply);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The host of a {@code host:port} endpoint, an IPv6 literal without its brackets. */
  public static String host(String endpoint) {
    String host = endpoint.substring(0, Math.max(endpoint.lastIndexOf(':'), 0));
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * The port of a {@code host:port} endpoint.
   *
   * @throws NumberFormatException if it has none
   */
  public static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  private static int millis(Duration timeout) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  /** Sends {@code request}, returns what came back before EOF or the timeout (possibly nothing). */
  private static String exchange(String host, int port, int millis, String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), millis);
      s.setSoTimeout(millis);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] buf = new byte[MAX_REPLY];
      int n = 0;
      InputStream in = s.getInputStream();
      try {
        for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
          n += r;
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // silence or a reset after a partial reply: what came so far is the answer
      }
      return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }
  }

  private static String firstLine(String s) {
    int end = s.indexOf('\r');
    end = end < 0 ? s.indexOf('\n') : end;
    String line = end < 0 ? s : s.substring(0, end);
    StringBuilder b = new StringBuilder();
    for (char c : line.toCharArray()) {
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.length() > 80 ? b.substring(0, 80) + "..." : b.toString();
  }
}
