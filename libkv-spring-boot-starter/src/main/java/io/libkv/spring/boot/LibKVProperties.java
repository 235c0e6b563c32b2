package io.libkv.spring.boot;

import io.libkv.Secret;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code libkv.*} properties: the store's URI and the settings every backend shares ({@code
 * io.libkv.StoreConfig}), and {@code libkv.leader.*} for leader election.
 *
 * <p>A setting given both here and as a parameter of the URI is refused. The password and token are
 * held as {@link Secret}s, never shown by {@link #toString()}.
 *
 * <pre>{@code
 * libkv:
 *   uri: etcd://127.0.0.1:2379/app
 *   timeout: 5s
 *   username: app
 *   password-file: /run/secrets/etcd-password
 *   leader:
 *     key: services/scheduler/leader
 * }</pre>
 */
@ConfigurationProperties("libkv")
public class LibKVProperties {
  /** The store's URI, e.g. {@code etcd://127.0.0.1:2379/app} or {@code boltdb:/var/lib/app.db}. */
  private @Nullable String uri;

  /** How long to wait for a connection (libkv's default: 3s). */
  private @Nullable Duration connectTimeout;

  /** How long one operation may take (libkv's default: 10s). */
  private @Nullable Duration timeout;

  /** Use TLS (also implied by ca, cert/key and by the etcds:/consuls: schemes). */
  private @Nullable Boolean tls;

  /** PEM file of the CA certificates to trust; implies TLS. */
  private @Nullable Path ca;

  /** PEM client certificate chain, with key; implies TLS. */
  private @Nullable Path cert;

  /** PEM (PKCS#8) client private key, with cert; implies TLS. */
  private @Nullable Path key;

  /** The user name (etcd, ZooKeeper); needs a password. */
  private @Nullable String username;

  /** The password; prefer password-file, or an environment variable reference. */
  private @Nullable Secret password;

  /** A file holding the password. */
  private @Nullable Path passwordFile;

  /** The token (Consul ACL); prefer token-file. */
  private @Nullable Secret token;

  /** A file holding the token. */
  private @Nullable Path tokenFile;

  /** A value limit below the backend's own, in bytes. */
  private @Nullable Long maxValueBytes;

  /** The root prefix (etcd, Consul) or chroot (ZooKeeper) every key is under. */
  private @Nullable String prefix;

  private final Leader leader = new Leader();

  /** Empty properties: Spring Boot binds {@code libkv.*} into them. */
  public LibKVProperties() {}

  /** The store's URI. */
  public @Nullable String getUri() {
    return uri;
  }

  /** Sets the store's URI. */
  public void setUri(@Nullable String uri) {
    this.uri = uri;
  }

  /** How long to wait for a connection. */
  public @Nullable Duration getConnectTimeout() {
    return connectTimeout;
  }

  /** Sets how long to wait for a connection. */
  public void setConnectTimeout(@Nullable Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** How long one operation may take. */
  public @Nullable Duration getTimeout() {
    return timeout;
  }

  /** Sets how long one operation may take. */
  public void setTimeout(@Nullable Duration timeout) {
    this.timeout = timeout;
  }

  /** Whether to use TLS, if given. */
  public @Nullable Boolean getTls() {
    return tls;
  }

  /** Sets whether to use TLS. */
  public void setTls(@Nullable Boolean tls) {
    this.tls = tls;
  }

  /** The CA certificates file. */
  public @Nullable Path getCa() {
    return ca;
  }

  /** Sets the CA certificates file. */
  public void setCa(@Nullable Path ca) {
    this.ca = ca;
  }

  /** The client certificate file. */
  public @Nullable Path getCert() {
    return cert;
  }

  /** Sets the client certificate file. */
  public void setCert(@Nullable Path cert) {
    this.cert = cert;
  }

  /** The client key file. */
  public @Nullable Path getKey() {
    return key;
  }

  /** Sets the client key file. */
  public void setKey(@Nullable Path key) {
    this.key = key;
  }

  /** The user name. */
  public @Nullable String getUsername() {
    return username;
  }

  /** Sets the user name. */
  public void setUsername(@Nullable String username) {
    this.username = username;
  }

  /** The password. */
  public @Nullable Secret getPassword() {
    return password;
  }

  /** Sets the password. */
  public void setPassword(@Nullable Secret password) {
    this.password = password;
  }

  /** The password file. */
  public @Nullable Path getPasswordFile() {
    return passwordFile;
  }

  /** Sets the password file. */
  public void setPasswordFile(@Nullable Path passwordFile) {
    this.passwordFile = passwordFile;
  }

  /** The token. */
  public @Nullable Secret getToken() {
    return token;
  }

  /** Sets the token. */
  public void setToken(@Nullable Secret token) {
    this.token = token;
  }

  /** The token file. */
  public @Nullable Path getTokenFile() {
    return tokenFile;
  }

  /** Sets the token file. */
  public void setTokenFile(@Nullable Path tokenFile) {
    this.tokenFile = tokenFile;
  }

  /** The value limit in bytes, if given. */
  public @Nullable Long getMaxValueBytes() {
    return maxValueBytes;
  }

  /** Sets the value limit in bytes. */
  public void setMaxValueBytes(@Nullable Long maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  /** The root prefix. */
  public @Nullable String getPrefix() {
    return prefix;
  }

  /** Sets the root prefix. */
  public void setPrefix(@Nullable String prefix) {
    this.prefix = prefix;
  }

  /** The {@code libkv.leader.*} properties. */
  public Leader getLeader() {
    return leader;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("LibKVProperties{uri=").append(uri);
    append(b, "connectTimeout", connectTimeout);
    append(b, "timeout", timeout);
    append(b, "tls", tls);
    append(b, "ca", ca);
    append(b, "cert", cert);
    append(b, "key", key);
    append(b, "username", username);
    // Secret.toString() is "****": the value never reaches a log
    append(b, "password", password);
    append(b, "passwordFile", passwordFile);
    append(b, "token", token);
    append(b, "tokenFile", tokenFile);
    append(b, "maxValueBytes", maxValueBytes);
    append(b, "prefix", prefix);
    append(b, "leader", leader.key == null ? null : leader);
    return b.append('}').toString();
  }

  private static void append(StringBuilder b, String name, @Nullable Object value) {
    if (value != null) {
      b.append(", ").append(name).append('=').append(value);
    }
  }

  /** {@code libkv.leader.*}: the election this application runs for. */
  public static class Leader {
    /** The election key; setting it starts a LeaderElection bean. */
    private @Nullable String key;

    /** This node's id, unique among the candidates (default: a random one per start). */
    private @Nullable String nodeId;

    /** How long others wait after this leader dies (default: libkv's lock TTL). */
    private @Nullable Duration ttl;

    /** Empty leader properties. */
    public Leader() {}

    /** The election key. */
    public @Nullable String getKey() {
      return key;
    }

    /** Sets the election key. */
    public void setKey(@Nullable String key) {
      this.key = key;
    }

    /** This node's id. */
    public @Nullable String getNodeId() {
      return nodeId;
    }

    /** Sets this node's id. */
    public void setNodeId(@Nullable String nodeId) {
      this.nodeId = nodeId;
    }

    /** The term's TTL. */
    public @Nullable Duration getTtl() {
      return ttl;
    }

    /** Sets the term's TTL. */
    public void setTtl(@Nullable Duration ttl) {
      this.ttl = ttl;
    }

    @Override
    public String toString() {
      return "Leader{key=" + key + ", nodeId=" + nodeId + ", ttl=" + ttl + "}";
    }
  }
}
