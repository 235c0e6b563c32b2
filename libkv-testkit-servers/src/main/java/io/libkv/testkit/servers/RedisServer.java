package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One real {@code redis-server} process (Debian's Redis 7.0) on a free loopback port with its own
 * temporary directory and generated configuration, for tests. It can be killed, stopped, restarted
 * on the same port and data, paused and resumed; it is only ever signalled through its own PID,
 * never by name, and never touches a system-wide Redis service.
 *
 * <p>{@link #cli(String...)} runs {@code redis-cli} against it with the TLS and auth flags the
 * server needs. {@link RedisSentinelGroup} and {@link RedisCluster} build on it.
 */
public final class RedisServer implements AutoCloseable {
  private static final Path SERVER_BINARY = Path.of("/usr/bin/redis-server");
  private static final Path SENTINEL_BINARY = Path.of("/usr/bin/redis-sentinel");
  private static final Path CLI_BINARY = Path.of("/usr/bin/redis-cli");
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How a server is started. A builder: each method changes it and returns it; a server copies it
   * when it starts, so later changes do not reach a running server.
   */
  public static final class Options {
    @Nullable Path certFile;
    @Nullable Path keyFile;
    @Nullable Path caFile;
    boolean requireClientCert;
    @Nullable String requirePass;
    @Nullable String adminUser;
    @Nullable String adminPassword;
    List<String> userLines = new ArrayList<>();
    @Nullable RedisServer primary;
    boolean appendOnly;
    List<String> extraLines = new ArrayList<>();
    boolean ownReplicationAuth;

    /** Defaults: plain TCP, no password, no persistence, a primary. */
    public Options() {}

    Options copy() {
      Options o = new Options();
      o.certFile = certFile;
      o.keyFile = keyFile;
      o.caFile = caFile;
      o.requireClientCert = requireClientCert;
      o.requirePass = requirePass;
      o.adminUser = adminUser;
      o.adminPassword = adminPassword;
      o.userLines = new ArrayList<>(userLines);
      o.primary = primary;
      o.appendOnly = appendOnly;
      o.extraLines = new ArrayList<>(extraLines);
      o.ownReplicationAuth = ownReplicationAuth;
      return o;
    }

    /**
     * Authenticates to any primary with this server's own credentials: for groups whose roles
     * change (a sentinel's or a cluster's {@code REPLICAOF} sets no password) and whose servers
     * share one.
     */
    Options ownReplicationAuth() {
      this.ownReplicationAuth = true;
      return this;
    }

    /**
     * Serves clients over TLS only ({@code port 0}, {@code tls-port}): this certificate and key,
     * client certificates checked against {@code ca}, and required when {@code requireClientCert}.
     * {@link #cli(String...)} and replicas present the same certificate as their client
     * certificate, so it must allow client authentication (as {@link TestCertificates}'s does).
     */
    public Options tls(Path cert, Path key, Path ca, boolean requireClientCert) {
      this.certFile = Objects.requireNonNull(cert, "cert");
      this.keyFile = Objects.requireNonNull(key, "key");
      this.caFile = Objects.requireNonNull(ca, "ca");
      this.requireClientCert = requireClientCert;
      return this;
    }

    /** The password of the {@code default} user ({@code requirepass}). */
    public Options requirePass(String password) {
      this.requirePass = word(password, "password");
      return this;
    }

    /**
     * An ACL user ({@code user <name> on ><password> <rules...>} in the configuration), for example
     * {@code user("app", "secret", "~app:*", "+@all")}. Without rules the user may run nothing. The
     * {@code default} user is set with {@link #requirePass(String)} instead.
     */
    public Options user(String name, String password, String... aclRules) {
      word(name, "name");
      if (name.equals("default")) {
        throw new IllegalArgumentException("the default user's password is set by requirePass");
      }
      StringBuilder line = new StringBuilder("user " + name + " on >" + word(password, "password"));
      for (String rule : aclRules) {
        line.append(' ').append(word(rule, "ACL rule"));
      }
      userLines.add(line.toString());
      return this;
    }

    /**
     * An ACL user with every right ({@code ~* &* +@all}) and the {@code default} user switched off:
     * {@link #cli(String...)}, replicas ({@code masteruser}/{@code masterauth}) and sentinels then
     * authenticate as this user. It cannot be combined with {@link #requirePass(String)}.
     */
    public Options adminUser(String name, String password) {
      user(name, password, "~*", "&*", "+@all");
      this.adminUser = name;
      this.adminPassword = password;
      return this;
    }

    /**
     * Replicates {@code primary} ({@code replicaof}), authenticating as the primary's admin user or
     * with its {@code requirepass}. A TLS primary needs a TLS replica.
     */
    public Options replicaOf(RedisServer primary) {
      this.primary = Objects.requireNonNull(primary, "primary");
      return this;
    }

    /**
     * Persists every write to the append-only file before answering ({@code appendonly yes}, {@code
     * appendfsync always}), so that a killed and restarted server keeps all it acknowledged;
     * without it the server keeps nothing on disk ({@code save ""}).
     */
    public Options appendOnly(boolean on) {
      this.appendOnly = on;
      return this;
    }

    /** One more line of configuration, appended after the generated ones. */
    public Options extraConfig(String line) {
      Objects.requireNonNull(line, "line");
      if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("one line of configuration: " + line);
      }
      extraLines.add(line);
      return this;
    }

    boolean tls() {
      return certFile != null;
    }

    private static String word(String s, String what) {
      Objects.requireNonNull(s, what);
      if (s.isEmpty() || s.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"')) {
        throw new IllegalArgumentException(what + " must be one word without quotes: " + s);
      }
      return s;
    }
  }

  private final String name;
  private final Path dir;
  private final Path dataDir;
  private final Path configFile;
  private final Path logFile;
  private final Path outFile;
  private final int port;
  private final Options options;
  private final @Nullable List<String> sentinelLines;
  private final boolean ownsDir;
  private @Nullable Process process;

  private RedisServer(
      String name,
      Path dir,
      int port,
      Options options,
      @Nullable List<String> sentinelLines,
      boolean ownsDir) {
    this.name = name;
    this.dir = dir;
    this.dataDir = dir.resolve("data");
    this.configFile = dir.resolve(sentinelLines == null ? "redis.conf" : "sentinel.conf");
    this.logFile = dir.resolve("redis.log");
    this.outFile = dir.resolve("redis.out");
    this.port = port;
    this.options = options;
    this.sentinelLines = sentinelLines == null ? null : List.copyOf(sentinelLines);
    this.ownsDir = ownsDir;
  }

  /** Starts a plain primary with default options and waits until it answers PING. */
  public static RedisServer start() {
    return start(new Options());
  }

  /** Starts a server and waits until it answers PING. */
  public static RedisServer start(Options options) {
    Path dir = EtcdServer.tempDir("libkv-redis-");
    return startIn("redis", dir, options, true);
  }

  /** A server in {@code dir}, which the caller deletes when it owns it. */
  static RedisServer startIn(String name, Path dir, Options options, boolean ownsDir) {
    return launchNew(new RedisServer(name, dir, FreePorts.next(), options.copy(), null, ownsDir));
  }

  /** A {@code redis-sentinel} in {@code dir} with these {@code sentinel} directives. */
  static RedisServer startSentinel(String name, Path dir, List<String> sentinelLines) {
    return launchNew(
        new RedisServer(name, dir, FreePorts.next(), new Options(), sentinelLines, false));
  }

  private static RedisServer launchNew(RedisServer s) {
    try {
      Files.createDirectories(s.dataDir);
      Files.writeString(s.configFile, s.config(), StandardCharsets.UTF_8);
      s.launch();
      s.awaitReady(READY_TIMEOUT);
      return s;
    } catch (IOException e) {
      s.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Whether {@code redis-server}, {@code redis-sentinel} and {@code redis-cli} are installed. */
  public static boolean available() {
    return Files.isExecutable(SERVER_BINARY)
        && Files.isExecutable(SENTINEL_BINARY)
        && Files.isExecutable(CLI_BINARY);
  }

  private String config() {
    List<String> c = new ArrayList<>();
    c.add("bind 127.0.0.1");
    c.add("daemonize no");
    c.add("dir " + dataDir);
    c.add("logfile " + logFile);
    if (sentinelLines != null) {
      c.add("port " + port);
      c.addAll(sentinelLines);
      return String.join("\n", c) + "\n";
    }
    c.add("enable-debug-command local");
    if (options.tls()) {
      c.add("port 0");
      c.add("tls-port " + port);
      c.add("tls-cert-file " + options.certFile);
      c.add("tls-key-file " + options.keyFile);
      c.add("tls-ca-cert-file " + options.caFile);
      c.add("tls-auth-clients " + (options.requireClientCert ? "yes" : "no"));
    } else {
      c.add("port " + port);
    }
    if (options.appendOnly) {
      c.add("appendonly yes");
      c.add("appendfsync always");
    } else {
      c.add("save \"\"");
    }
    if (options.adminUser != null) {
      if (options.requirePass != null) {
        throw new IllegalArgumentException(
            "adminUser switches the default user off: its requirePass could never be used");
      }
      c.add("user default off");
    }
    if (options.requirePass != null) {
      c.add("requirepass " + options.requirePass);
    }
    c.addAll(options.userLines);
    RedisServer primary = options.primary;
    if (primary != null) {
      if (primary.options.tls() && !options.tls()) {
        throw new IllegalArgumentException("a replica of a TLS primary needs tls(...) itself");
      }
      c.add("replicaof 127.0.0.1 " + primary.port);
      if (primary.options.tls()) {
        c.add("tls-replication yes");
      }
      c.addAll(masterAuth(primary.options));
    } else if (options.ownReplicationAuth) {
      c.addAll(masterAuth(options));
    }
    c.addAll(options.extraLines);
    return String.join("\n", c) + "\n";
  }

  private static List<String> masterAuth(Options primary) {
    if (primary.adminUser != null) {
      return List.of("masteruser " + primary.adminUser, "masterauth " + primary.adminPassword);
    }
    return primary.requirePass != null ? List.of("masterauth " + primary.requirePass) : List.of();
  }

  /** The server's name in failure messages. */
  public String name() {
    return name;
  }

  /** The port clients use on 127.0.0.1: the TLS port when TLS is on. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Whether clients must speak TLS to it. */
  public boolean tls() {
    return options.tls();
  }

  /** The directory of its data (RDB, append-only and cluster files). */
  public Path dataDir() {
    return dataDir;
  }

  /** The PID of the running process, or -1. */
  public synchronized long pid() {
    return process != null && process.isAlive() ? process.pid() : -1;
  }

  /** Whether the process runs. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  private synchronized void launch() {
    if (isRunning()) {
      throw new IllegalStateException(this + " already runs");
    }
    Path binary = sentinelLines == null ? SERVER_BINARY : SENTINEL_BINARY;
    ProcessBuilder pb =
        new ProcessBuilder(binary.toString(), configFile.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(outFile.toFile()));
    try {
      process = pb.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start " + binary + " (install Debian's redis-server and redis-sentinel)", e);
    }
  }

  /**
   * Waits until the server answers PING (through {@code redis-cli}, with its TLS and auth flags).
   */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!isRunning()) {
        throw new IllegalStateException(this + " exited: " + tail());
      }
      try {
        String reply = cli(Duration.ofSeconds(5), "PING");
        if (reply.equals("PONG")) {
          return;
        }
        last = reply;
      } catch (IllegalStateException e) {
        last = String.valueOf(e.getMessage());
      }
      EtcdServer.sleep(50);
    }
    throw new IllegalStateException(
        this + " did not answer PING within " + timeout + " (last: " + last + "): " + tail());
  }

  /**
   * Runs {@code redis-cli} against this server with its TLS and auth flags and {@code -e} (an error
   * reply is a failure), waiting at most 10 s, and returns its standard output without the final
   * line break. Nested replies come out one element a line, as {@code redis-cli} prints them when
   * its output is not a terminal.
   *
   * @throws IllegalStateException when it fails or does not finish in time, with its standard error
   */
  public String cli(String... args) {
    return cli(CLI_TIMEOUT, args);
  }

  /** {@link #cli(String...)} waiting at most {@code timeout}. */
  public String cli(Duration timeout, String... args) {
    Objects.requireNonNull(timeout, "timeout");
    List<String> cmd = new ArrayList<>();
    cmd.addAll(List.of(CLI_BINARY.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
    cmd.add("-e");
    if (options.tls()) {
      cmd.addAll(
          List.of(
              "--tls",
              "--cacert",
              String.valueOf(options.caFile),
              "--cert",
              String.valueOf(options.certFile),
              "--key",
              String.valueOf(options.keyFile)));
    }
    if (options.adminUser != null) {
      cmd.addAll(
          List.of("--user", options.adminUser, "--pass", String.valueOf(options.adminPassword)));
    } else if (options.requirePass != null) {
      cmd.addAll(List.of("--pass", options.requirePass));
    }
    cmd.add("--no-auth-warning");
    cmd.addAll(Arrays.asList(args));
    return run(cmd, timeout);
  }

  private String run(List<String> cmd, Duration timeout) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile(dir, "cli-", ".out");
      err = Files.createTempFile(dir, "cli-", ".err");
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "redis-cli " + String.join(" ", tailArgs(cmd)) + " did not finish within " + timeout);
      }
      String stdout = Files.readString(out);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "redis-cli "
                + String.join(" ", tailArgs(cmd))
                + " exited with "
                + p.exitValue()
                + ": "
                + (Files.readString(err) + stdout).strip());
      }
      return stdout.endsWith("\n") ? stdout.substring(0, stdout.length() - 1) : stdout;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /** The command's own arguments, without connection flags and passwords. */
  private static List<String> tailArgs(List<String> cmd) {
    int i = cmd.indexOf("--no-auth-warning");
    return cmd.subList(i + 1, cmd.size());
  }

  private static void deleteQuietly(@Nullable Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // a leftover file in a directory deleted on close
      }
    }
  }

  /**
   * {@code INFO <section>} as a map of its {@code field:value} lines, for example {@code
   * info("replication").get("role")}.
   */
  public Map<String, String> info(String section) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : cli("INFO", section).split("\n")) {
      String l = line.strip();
      int colon = l.indexOf(':');
      if (colon > 0 && !l.startsWith("#")) {
        m.put(l.substring(0, colon), l.substring(colon + 1));
      }
    }
    return m;
  }

  /**
   * Waits until this replica reports {@code master_link_status:up}: it has synchronised with its
   * primary and receives its writes.
   */
  public void awaitReplicationLink(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> last = Map.of();
    while (System.nanoTime() < deadline) {
      try {
        last = info("replication");
        if ("slave".equals(last.get("role")) && "up".equals(last.get("master_link_status"))) {
          return;
        }
      } catch (IllegalStateException e) {
        // not answering yet: ask again
      }
      EtcdServer.sleep(100);
    }
    throw new IllegalStateException(
        this + " has no replication link after " + timeout + ": " + last + "\n" + tail());
  }

  /** The last lines of the server's log and of its standard output, for failure messages. */
  public String tail() {
    return EtcdServer.tail(logFile) + "\n" + EtcdServer.tail(outFile);
  }

  /** Kills the process with SIGKILL and waits for it to end; the data stays. */
  public synchronized void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      awaitExit(process);
    }
  }

  /**
   * Stops the process with SIGTERM (Redis shuts down, flushing its append-only file) and waits for
   * it to end; SIGKILL after 10 s. The data stays.
   */
  public synchronized void stop() {
    if (process != null && process.isAlive()) {
      resume();
      process.destroy();
      awaitExit(process);
      if (process.isAlive()) {
        process.destroyForcibly();
        awaitExit(process);
      }
    }
  }

  private static void awaitExit(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Kills the process and starts it again on the same port, configuration and data directory, then
   * waits until it answers. The configuration is the one on disk, which Redis itself may have
   * rewritten (a sentinel's {@code REPLICAOF}, a cluster's node file).
   */
  public void restart() {
    kill();
    launch();
    awaitReady(READY_TIMEOUT);
  }

  /** Pauses the process (SIGSTOP): it holds its sockets but answers nothing. */
  public synchronized void pause() {
    long pid = pid();
    if (pid >= 0) {
      EtcdServer.signal(pid, "STOP");
    }
  }

  /** Resumes a paused process (SIGCONT). */
  public synchronized void resume() {
    long pid = pid();
    if (pid >= 0) {
      EtcdServer.signal(pid, "CONT");
    }
  }

  /** Kills the process and deletes its directory when it made the directory itself. */
  @Override
  public void close() {
    kill();
    if (ownsDir) {
      EtcdServer.deleteTree(dir);
    }
  }

  @Override
  public String toString() {
    return (sentinelLines == null ? "redis " : "sentinel ")
        + name
        + " at "
        + address()
        + " (pid "
        + pid()
        + ")";
  }
}
