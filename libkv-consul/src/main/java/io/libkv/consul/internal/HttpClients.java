package io.libkv.consul.internal;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * One {@link HttpClient} per JVM for each TLS configuration and connect timeout: Java 17's client
 * cannot be closed, so stores share clients instead of leaking one each. Nothing process-global is
 * touched (no default client, SSL context or system property).
 */
final class HttpClients {
  private static final Map<Key, HttpClient> CLIENTS = new ConcurrentHashMap<>();

  private HttpClients() {}

  /** What tells clients apart: the SSL context (null: plain HTTP) and the connect timeout. */
  private static final class Key {
    final @Nullable SSLContext ssl;
    final @Nullable Object tlsIdentity;
    final Duration connectTimeout;

    Key(@Nullable SSLContext ssl, @Nullable Object tlsIdentity, Duration connectTimeout) {
      this.ssl = ssl;
      this.tlsIdentity = tlsIdentity;
      this.connectTimeout = connectTimeout;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Key
          && Objects.equals(tlsIdentity, ((Key) o).tlsIdentity)
          && connectTimeout.equals(((Key) o).connectTimeout);
    }

    @Override
    public int hashCode() {
      return Objects.hash(tlsIdentity, connectTimeout);
    }
  }

  /**
   * The shared client for a TLS configuration ({@code tlsIdentity} equal for equal configurations:
   * the files' paths and contents, or the caller's SSLContext itself) and connect timeout.
   */
  static HttpClient get(
      @Nullable SSLContext ssl, @Nullable Object tlsIdentity, Duration connectTimeout) {
    return CLIENTS.computeIfAbsent(
        new Key(ssl, tlsIdentity, connectTimeout),
        k -> {
          HttpClient.Builder b =
              HttpClient.newBuilder()
                  // Consul speaks HTTP/1.1 on plain connections; h2c upgrade attempts would only
                  // cost time
                  .version(HttpClient.Version.HTTP_1_1)
                  .connectTimeout(k.connectTimeout)
                  .followRedirects(HttpClient.Redirect.NEVER);
          if (k.ssl != null) {
            b.sslContext(k.ssl);
          }
          return b.build();
        });
  }

  /** How many clients this JVM holds (for tests). */
  static int count() {
    return CLIENTS.size();
  }
}
