package io.libkv.spi;

import io.libkv.Durations;
import io.libkv.internal.ProviderRegistry;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Finds out what listens at an endpoint a backend could not connect to, so that its error says what
 * answered instead of only that the client gave up: nothing (refused, unresolvable, silent), the
 * server of an installed backend (each declares how to tell its own: {@link ServerSignature}),
 * another HTTP/1 server, or a TLS server. Used only after a connection failed: it opens one short
 * plain TCP connection for an HTTP/1 request and one for each plain-text request a signature
 * declares, each bounded by the given timeout, and sends requests that change nothing on any
 * server.
 */
public final class EndpointProbe {
  /** What answered at an endpoint. */
  public enum Kind {
    /** Nothing answered: refused, unresolvable, or no reply in time. */
    NOTHING,
    /** The server of an installed backend, told by its {@link ServerSignature}. */
    SERVER,
    /** An HTTP/1 server no signature claims (a backend whose API is plain HTTP/1 may be it). */
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
   * @param server the signature of the server that answered, for {@link Kind#SERVER}
   */
  public record Result(Kind kind, String detail, Optional<ServerSignature> server) {
    Result(Kind kind, String detail) {
      this(kind, detail, Optional.empty());
    }
  }

  private static final int MAX_REPLY = 2048;

  private EndpointProbe() {}

  /**
   * Probes {@code endpoint} ({@code host:port}, IPv6 hosts in brackets).
   *
   * @param timeout bound on each connect and each wait for a reply
   */
  public static Result probe(String endpoint, Duration timeout) {
    return probe(endpoint, timeout, ProviderRegistry.signatures());
  }

  private static Result probe(String endpoint, Duration timeout, List<ServerSignature> signatures) {
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
      return new Result(
          Kind.NOTHING,
          "no answer to a TCP connect within "
              + Durations.format(timeout)
              + " (a wrong host, or a firewall dropping packets)");
    } catch (IOException e) {
      return new Result(Kind.NOTHING, "the connection failed (" + e.getMessage() + ")");
    }
    if (http.startsWith("HTTP/1.")) {
      for (ServerSignature s : signatures) {
        if (s.request().isEmpty() && !s.plainHttp() && s.answer().matcher(http).find()) {
          return recognised(s, http);
        }
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
    List<String> asked = new ArrayList<>();
    for (ServerSignature s : signatures) {
      if (s.request().isPresent()) {
        String reply;
        try {
          reply = exchange(host, port, millis, s.request().get());
        } catch (IOException e) {
          reply = "";
        }
        if (s.answer().matcher(reply).find()) {
          return recognised(s, reply);
        }
        asked.add(s.name() + "'s " + s.request().get().trim() + " command");
      }
    }
    return new Result(
        Kind.UNKNOWN,
        http.isEmpty()
            ? "a server accepted the connection but answered neither an HTTP"
                + " request"
                + (asked.isEmpty() ? "" : " nor " + String.join(" nor ", asked))
            : "a server answered with something else (" + firstLine(http) + ")");
  }

  private static Result recognised(ServerSignature s, String reply) {
    Matcher m = s.answer().matcher(reply);
    String version = m.find() && m.groupCount() >= 1 ? m.group(1) : null;
    return new Result(
        Kind.SERVER,
        s.server() + (version == null ? "" : " (version " + version + ")") + " answered",
        Optional.of(s));
  }

  /**
   * One phrase for a backend's failed connect: what answered at each endpoint and the likely cause,
   * e.g. {@code "a ZooKeeper server (version 3.8.4) answered: this looks like ZooKeeper, use
   * zk://"} (each prefixed by its endpoint when there are several). Empty when no endpoint gives a
   * likely cause (the expected server answered with no TLS mismatch, or the answer was not
   * recognised): the client's own error then says more.
   *
   * @param backend the name of the backend that expected to connect ({@link StoreProvider#name()})
   * @param tls whether the client spoke TLS
   * @param timeout bound on each connect and each wait for a reply
   */
  public static Optional<String> explain(
      String backend, boolean tls, List<String> endpoints, Duration timeout) {
    List<ServerSignature> signatures = ProviderRegistry.signatures();
    Optional<ServerSignature> expected = ProviderRegistry.signature(backend);
    Optional<ServerSignature> plainHttp =
        signatures.stream().filter(ServerSignature::plainHttp).findFirst();
    StringBuilder b = new StringBuilder();
    boolean explained = false;
    for (String e : endpoints) {
      Result r = probe(e, timeout, signatures);
      // the exception names the endpoints: repeat them only to tell several apart
      b.append(b.length() == 0 ? "" : "; ")
          .append(endpoints.size() > 1 ? e + ": " : "")
          .append(r.detail());
      String cause = cause(expected, backend, tls, r, plainHttp);
      if (!cause.isEmpty()) {
        b.append(": ").append(cause);
        explained = true;
      }
    }
    return explained ? Optional.of(b.toString()) : Optional.empty();
  }

  private static String cause(
      Optional<ServerSignature> expected,
      String backend,
      boolean tls,
      Result r,
      Optional<ServerSignature> plainHttp) {
    switch (r.kind()) {
      case NOTHING:
        return "check the host and port";
      case TLS:
        return tls
            ? ""
            : "the server speaks TLS, use "
                + expected.map(ServerSignature::tlsHint).orElse("the tls parameter");
      case SERVER:
      case HTTP1:
        Optional<ServerSignature> found = r.kind() == Kind.SERVER ? r.server() : plainHttp;
        if (found.isPresent()
            && expected.isPresent()
            && found.get().name().equals(expected.get().name())) {
          return tls
              ? "TLS handshake failed: the server speaks plaintext (drop TLS from the URI)"
              : "";
        }
        if (r.kind() == Kind.SERVER) {
          ServerSignature s = r.server().orElseThrow();
          return "this looks like " + s.name() + ", use " + s.scheme();
        }
        return "this looks like an HTTP/1 server, not "
            + expected.map(ServerSignature::name).orElse(backend)
            + plainHttp.map(s -> " (" + s.server() + " is one: " + s.scheme() + ")").orElse("");
      default:
        // a TLS server may just close on plaintext: the client's own error says more
        return "";
    }
  }

  /**
   * Sends {@code request} (plain text, e.g. ZooKeeper's {@code srvr}) to {@code endpoint} and
   * returns the reply read until the server closes or {@code timeout} passes; empty if it cannot
   * connect or nothing came back.
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
  private static String exchange(String host, int port, int millis, String request)
      throws IOException {
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
