package io.libkv;

import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * How to connect to a store, in the settings every backend shares: timeouts, TLS, credentials,
 * value limit, prefix, time source. Each backend's own settings are in its options class.
 *
 * <p>Each shared URI query parameter maps to one builder method (see {@code docs/cli.md}). Secrets
 * are kept as {@link Secret}s and never appear in messages, {@code toString()} or logs. Setters may
 * be called once each, and validate their argument on the spot.
 *
 * <p>TLS and credentials either take effect as given or are refused ({@link Builder#build()}):
 * {@code ca}, {@code cert}/{@code key} and an {@code SSLContext} each turn TLS on, and {@code
 * tls(false)} with any of them is a contradiction; a certificate needs its key and a key its
 * certificate; a password needs a user name and a user name a password; every file named must be a
 * readable regular file.
 */
public final class StoreConfig {
  /**
   * The default connection timeout: short, so that a wrong host, port or scheme fails fast (etcdctl
   * dials for 2 s); a store that is slow to reach takes {@code connectTimeout} in its URI.
   */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /** The default per-operation timeout. */
  public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(10);

  /** All defaults. */
  public static final StoreConfig DEFAULT = builder().build();

  private final Duration connectTimeout;
  private final Duration operationTimeout;
  private final @Nullable Boolean tls;
  private final @Nullable Path caFile;
  private final @Nullable Path certFile;
  private final @Nullable Path keyFile;
  private final @Nullable SSLContext sslContext;
  private final @Nullable String username;
  private final @Nullable Secret password;
  private final @Nullable Path passwordFile;
  private final @Nullable Secret token;
  private final @Nullable Path tokenFile;
  private final @Nullable Long maxValueBytes;
  private final String prefix;
  private final TimeSource timeSource;

  private StoreConfig(Builder b) {
    connectTimeout = b.connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : b.connectTimeout;
    operationTimeout = b.operationTimeout == null ? DEFAULT_OPERATION_TIMEOUT : b.operationTimeout;
    tls = b.tls;
    caFile = b.caFile;
    certFile = b.certFile;
    keyFile = b.keyFile;
    sslContext = b.sslContext;
    username = b.username;
    password = b.password;
    passwordFile = b.passwordFile;
    token = b.token;
    tokenFile = b.tokenFile;
    maxValueBytes = b.maxValueBytes;
    prefix = b.prefix == null ? "" : b.prefix;
    timeSource = b.timeSource == null ? TimeSource.system() : b.timeSource;
  }

  /** A new builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's settings, to adjust some. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.connectTimeout = connectTimeout;
    b.operationTimeout = operationTimeout;
    b.tls = tls;
    b.caFile = caFile;
    b.certFile = certFile;
    b.keyFile = keyFile;
    b.sslContext = sslContext;
    b.username = username;
    b.password = password;
    b.passwordFile = passwordFile;
    b.token = token;
    b.tokenFile = tokenFile;
    b.maxValueBytes = maxValueBytes;
    b.prefix = prefix;
    b.timeSource = timeSource;
    b.reset = true;
    return b;
  }

  /** How long to wait for a connection. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** How long one operation may take. */
  public Duration operationTimeout() {
    return operationTimeout;
  }

  /**
   * Whether to use TLS: {@code tls(true)}, or TLS material given ({@code ca}, {@code cert}/{@code
   * key}, an SSLContext). A backend's TLS scheme ({@code etcds:}, {@code consuls:}) implies it too.
   */
  public boolean tls() {
    return Boolean.TRUE.equals(tls) || hasTlsMaterial();
  }

  /** {@code tls} as given: empty when not given, so a TLS scheme can tell "false" from unset. */
  public Optional<Boolean> tlsParameter() {
    return Optional.ofNullable(tls);
  }

  private boolean hasTlsMaterial() {
    return sslContext != null || caFile != null || certFile != null || keyFile != null;
  }

  /**
   * The TLS and credential parameters this configuration sets, named as in {@code docs/cli.md}
   * (settings a URI cannot carry are named by their builder method: {@code sslContext}, {@code
   * password}, {@code token}), so that a backend that takes none of them can refuse them.
   */
  public Set<String> securitySettings() {
    Set<String> set = new LinkedHashSet<>();
    if (tls != null) {
      set.add("tls");
    }
    if (sslContext != null) {
      set.add("sslContext");
    }
    if (caFile != null) {
      set.add("ca");
    }
    if (certFile != null) {
      set.add("cert");
    }
    if (keyFile != null) {
      set.add("key");
    }
    if (username != null) {
      set.add("username");
    }
    if (password != null) {
      set.add("password");
    }
    if (passwordFile != null) {
      set.add("passwordFile");
    }
    if (token != null) {
      set.add("token");
    }
    if (tokenFile != null) {
      set.add("tokenFile");
    }
    return Set.copyOf(set);
  }

  /** The CA certificates (PEM) to trust. */
  public Optional<Path> caFile() {
    return Optional.ofNullable(caFile);
  }

  /** The client certificate chain (PEM). */
  public Optional<Path> certFile() {
    return Optional.ofNullable(certFile);
  }

  /** The client private key (PEM, PKCS#8). */
  public Optional<Path> keyFile() {
    return Optional.ofNullable(keyFile);
  }

  /** A ready SSL context, which takes precedence over the PEM files. */
  public Optional<SSLContext> sslContext() {
    return Optional.ofNullable(sslContext);
  }

  /** The user name. */
  public Optional<String> username() {
    return Optional.ofNullable(username);
  }

  /**
   * The password: given directly, or read (trimmed of a final newline) from the password file.
   *
   * @throws ConfigurationException if the file cannot be read (the message names the file only)
   */
  public Optional<Secret> password() {
    return password != null ? Optional.of(password) : readSecret(passwordFile, "passwordFile");
  }

  /**
   * The token (Consul ACL token): given directly, or read from the token file.
   *
   * @throws ConfigurationException if the file cannot be read
   */
  public Optional<Secret> token() {
    return token != null ? Optional.of(token) : readSecret(tokenFile, "tokenFile");
  }

  /** A lower value limit than the backend's own, if set. */
  public OptionalLong maxValueBytes() {
    return maxValueBytes == null ? OptionalLong.empty() : OptionalLong.of(maxValueBytes);
  }

  /** The root prefix (etcd, Consul) or chroot (ZooKeeper), canonical; "" for none. */
  public String prefix() {
    return prefix;
  }

  /** The halves of a pair given without the other half: see {@link Builder#problems()}. */
  List<String> unpaired() {
    return unpaired(
        certFile != null,
        keyFile != null,
        username != null,
        password != null || passwordFile != null);
  }

  /**
   * What keeps this configuration from taking effect on a backend, one sentence each naming the
   * settings: halves of a pair given alone, TLS and credential settings the backend does not take,
   * {@code tls=false} on a scheme that means TLS. Empty when it can take effect.
   *
   * @param scheme the scheme the store is opened with, one of the provider's
   */
  public List<String> problemsOn(StoreProvider provider, String scheme) {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(scheme, "scheme");
    List<String> problems = unpaired();
    problems.addAll(unsupported(provider, scheme));
    return problems;
  }

  /**
   * The TLS and credential settings that could not take effect on this backend: those it does not
   * take (given through the configuration rather than the URI), and {@code tls=false} on a scheme
   * that means TLS.
   */
  List<String> unsupported(StoreProvider provider, String scheme) {
    List<String> problems = new ArrayList<>();
    Set<String> refused = new TreeSet<>();
    for (String s : securitySettings()) {
      String parameter =
          s.equals("sslContext")
              ? "tls"
              : s.equals("password") ? "passwordFile" : s.equals("token") ? "tokenFile" : s;
      if (!provider.parameters().contains(parameter)) {
        refused.add(s);
      }
    }
    if (!refused.isEmpty()) {
      problems.add(
          "setting(s) "
              + String.join(", ", refused)
              + " do not apply to "
              + provider.name()
              + " (it takes: "
              + String.join(", ", new TreeSet<>(provider.parameters()))
              + ")");
    }
    if (provider.tlsSchemes().contains(scheme) && Optional.of(false).equals(tlsParameter())) {
      problems.add("tls=false contradicts the scheme " + scheme + ":, which means TLS");
    }
    return problems;
  }

  private static List<String> unpaired(boolean cert, boolean key, boolean user, boolean password) {
    List<String> p = new ArrayList<>();
    if (cert && !key) {
      p.add("cert is given without key: a client certificate needs its private key");
    }
    if (key && !cert) {
      p.add("key is given without cert: a client key needs its certificate");
    }
    if (password && !user) {
      p.add("a password (passwordFile) is given without username: give the user it belongs to");
    }
    if (user && !password) {
      p.add("username is given without a password: give passwordFile (or StoreConfig.password)");
    }
    return p;
  }

  /** The time source for TTL and keep-alive logic. */
  public TimeSource timeSource() {
    return timeSource;
  }

  private static Optional<Secret> readSecret(@Nullable Path file, String param) {
    if (file == null) {
      return Optional.empty();
    }
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      if (s.endsWith("\r\n")) {
        s = s.substring(0, s.length() - 2);
      } else if (s.endsWith("\n")) {
        s = s.substring(0, s.length() - 1);
      }
      return Optional.of(Secret.of(s));
    } catch (IOException e) {
      throw new ConfigurationException(
          param + ": cannot read " + file + ": " + e.getClass().getSimpleName());
    }
  }

  @Override
  public String toString() {
    StringBuilder b =
        new StringBuilder("StoreConfig{connectTimeout=")
            .append(connectTimeout)
            .append(", timeout=")
            .append(operationTimeout);
    if (tls()) {
      b.append(", tls");
    }
    if (username != null) {
      b.append(", username=").append(username);
    }
    if (password != null || passwordFile != null) {
      b.append(", password=****");
    }
    if (token != null || tokenFile != null) {
      b.append(", token=****");
    }
    if (!prefix.isEmpty()) {
      b.append(", prefix=").append(prefix);
    }
    return b.append('}').toString();
  }

  /** Builds {@link StoreConfig}. Each setter may be called once; all validate on the spot. */
  public static final class Builder {
    private @Nullable Duration connectTimeout;
    private @Nullable Duration operationTimeout;
    private @Nullable Boolean tls;
    private @Nullable Path caFile;
    private @Nullable Path certFile;
    private @Nullable Path keyFile;
    private @Nullable SSLContext sslContext;
    private @Nullable String username;
    private @Nullable Secret password;
    private @Nullable Path passwordFile;
    private @Nullable Secret token;
    private @Nullable Path tokenFile;
    private @Nullable Long maxValueBytes;
    private @Nullable String prefix;
    private @Nullable TimeSource timeSource;
    // a builder made by toBuilder() may overwrite what it was given
    private boolean reset;

    private Builder() {}

    private <T> T once(String name, @Nullable Object previous, T value) {
      Objects.requireNonNull(value, name);
      if (previous != null && !reset) {
        throw new IllegalStateException(
            name
                + " was already set to "
                + (previous instanceof Duration
                    ? Durations.format((Duration) previous)
                    : previous));
      }
      return value;
    }

    /** How long to wait for a connection (default 3 s). */
    public Builder connectTimeout(Duration d) {
      connectTimeout =
          once("connectTimeout", connectTimeout, OwnParameters.positive("connectTimeout", d));
      return this;
    }

    /** How long one operation may take (default 10 s); URI parameter {@code timeout}. */
    public Builder operationTimeout(Duration d) {
      operationTimeout = once("timeout", operationTimeout, OwnParameters.positive("timeout", d));
      return this;
    }

    /** Use TLS. */
    public Builder tls(boolean v) {
      tls = once("tls", tls, v);
      return this;
    }

    /** CA certificates (PEM) to trust; implies TLS. */
    public Builder caFile(Path p) {
      caFile = once("ca", caFile, p);
      return this;
    }

    /** Client certificate chain (PEM); needs {@link #keyFile}; implies TLS. */
    public Builder certFile(Path p) {
      certFile = once("cert", certFile, p);
      return this;
    }

    /** Client private key (PEM); needs {@link #certFile}; implies TLS. */
    public Builder keyFile(Path p) {
      keyFile = once("key", keyFile, p);
      return this;
    }

    /** A ready SSL context; implies TLS. */
    public Builder sslContext(SSLContext c) {
      sslContext = once("sslContext", sslContext, c);
      return this;
    }

    /** The user name. */
    public Builder username(String u) {
      if (Objects.requireNonNull(u, "username").isEmpty()) {
        throw new IllegalArgumentException("username must not be empty");
      }
      username = once("username", username, u);
      return this;
    }

    /** The password. */
    public Builder password(Secret s) {
      password = once("password", password, s);
      return this;
    }

    /** A file holding the password. */
    public Builder passwordFile(Path p) {
      passwordFile = once("passwordFile", passwordFile, p);
      return this;
    }

    /** The token. */
    public Builder token(Secret s) {
      token = once("token", token, s);
      return this;
    }

    /** A file holding the token. */
    public Builder tokenFile(Path p) {
      tokenFile = once("tokenFile", tokenFile, p);
      return this;
    }

    /** A value limit below the backend's own. */
    public Builder maxValueBytes(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxValueBytes must be >= 0, was " + n);
      }
      maxValueBytes = once("maxValueBytes", maxValueBytes, n);
      return this;
    }

    /** The root prefix or chroot; canonicalised ("/app/" becomes "app"). */
    public Builder prefix(String p) {
      prefix = once("prefix", prefix, Keys.canonicalDirectory(Objects.requireNonNull(p, "prefix")));
      return this;
    }

    /** The time source (tests inject a {@link ManualTimeSource}). */
    public Builder timeSource(TimeSource t) {
      timeSource = once("timeSource", timeSource, t);
      return this;
    }

    /**
     * The configuration.
     *
     * @throws ConfigurationException listing every TLS or credential setting that could not take
     *     effect as given (see the class comment); file contents are never read into the message
     */
    public StoreConfig build() {
      List<String> problems = ownProblems();
      if (!problems.isEmpty()) {
        throw new ConfigurationException(String.join("; ", problems));
      }
      return new StoreConfig(this);
    }

    /**
     * What opening a store with this configuration refuses, one sentence each naming the
     * parameters.
     */
    List<String> problems() {
      List<String> p = ownProblems();
      p.addAll(
          unpaired(
              certFile != null,
              keyFile != null,
              username != null,
              password != null || passwordFile != null));
      return p;
    }

    /**
     * How many of {@link #problems()} are halves of a pair, which {@link #build()} leaves to
     * opening.
     */
    int unpairedCount() {
      return unpaired(
              certFile != null,
              keyFile != null,
              username != null,
              password != null || passwordFile != null)
          .size();
    }

    /**
     * What {@link #build()} refuses: contradictions within what was given. Halves of a pair are
     * checked only when a store is opened, as a base configuration may carry one half (a password)
     * and the URI the other (its user name).
     */
    private List<String> ownProblems() {
      List<String> p = new ArrayList<>();
      if (Boolean.FALSE.equals(tls)) {
        List<String> material = new ArrayList<>();
        if (sslContext != null) {
          material.add("sslContext");
        }
        if (caFile != null) {
          material.add("ca");
        }
        if (certFile != null) {
          material.add("cert");
        }
        if (keyFile != null) {
          material.add("key");
        }
        if (!material.isEmpty()) {
          p.add(
              "tls=false contradicts "
                  + String.join(", ", material)
                  + ", which only work over TLS: drop one or the other");
        }
      }
      if (password != null && passwordFile != null) {
        p.add("password and passwordFile are exclusive: give one");
      }
      if (token != null && tokenFile != null) {
        p.add("token and tokenFile are exclusive: give one");
      }
      unreadable(p, "ca", caFile);
      unreadable(p, "cert", certFile);
      unreadable(p, "key", keyFile);
      unreadable(p, "passwordFile", passwordFile);
      unreadable(p, "tokenFile", tokenFile);
      return p;
    }

    private static void unreadable(List<String> problems, String param, @Nullable Path file) {
      if (file == null) {
        return;
      }
      String why =
          Files.isDirectory(file)
              ? "is a directory"
              : !Files.exists(file)
                  ? "does not exist"
                  : !Files.isRegularFile(file)
                      ? "is not a regular file"
                      : !Files.isReadable(file) ? "is not readable" : null;
      if (why != null) {
        problems.add(param + ": cannot read " + file + ": it " + why);
      }
    }
  }
}
