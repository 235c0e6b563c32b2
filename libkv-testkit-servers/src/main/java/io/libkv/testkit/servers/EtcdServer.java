package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One real {@code etcd} process (Debian's {@code etcd-server}) on free loopback ports with a
 * temporary data directory, for tests. It can be killed, restarted on the same data, paused and
 * resumed; it is only ever stopped through its own PID, never by name.
 *
 * <p>Use {@link #start()} for a single node or {@link EtcdCluster} for several members. TLS is
 * switched on with {@link Options#tls(Path, Path, Path, boolean)}.
 */
public final class EtcdServer implements AutoCloseable {
  /** How a server is started. */
  public static final class Options {
    @Nullable Path certFile;
    @Nullable Path keyFile;
    @Nullable Path trustedCaFile;
    boolean clientCertAuth;
    Duration heartbeat = Duration.ofMillis(100);
    Duration electionTimeout = Duration.ofMillis(1000);
    @Nullable Duration authTokenTtl;
    boolean v2;

    /** Defaults: plain HTTP/2, etcd's default heartbeat (100 ms) and election timeout (1 s). */
    public Options() {}

    /**
     * Serves clients over TLS with this certificate and key; with a CA, checks client certificates.
     */
    public Options tls(Path cert, Path key, @Nullable Path ca, boolean requireClientCert) {
      this.certFile = Objects.requireNonNull(cert, "cert");
      this.keyFile = Objects.requireNonNull(key, "key");
      this.trustedCaFile = ca;
      this.clientCertAuth = requireClientCert;
      return this;
    }

    /**
     * How long an idle auth token lives ({@code --auth-token-ttl}; etcd's default is 5 minutes).
     */
    public Options authTokenTtl(Duration ttl) {
      this.authTokenTtl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /**
     * Also serves etcd's v2 API ({@code --enable-v2}), for comparisons with clients of that API.
     */
    public Options enableV2() {
      this.v2 = true;
      return this;
    }

    /** Raft timing; raise it on a loaded machine so members do not call spurious elections. */
    public Options timing(Duration heartbeat, Duration electionTimeout) {
      this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
      this.electionTimeout = Objects.requireNonNull(electionTimeout, "electionTimeout");
      return this;
    }
  }

  private final String name;
  private final int clientPort;
  private final int peerPort;
  private final Path dataDir;
  private final Path logFile;
  private final Options options;
  private final String initialCluster;
  private final boolean ownsDir;
  private @Nullable Process process;

  EtcdServer(
      String name,
      int clientPort,
      int peerPort,
      Path dataDir,
      Options options,
      String initialCluster,
      boolean ownsDir) {
    this.name = name;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.dataDir = dataDir;
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    this.options = options;
    this.initialCluster = initialCluster;
    this.ownsDir = ownsDir;
  }

  /** Starts a single-node server with default options and waits until it answers. */
  public static EtcdServer start() {
    return start(new Options());
  }

  /** Starts a single-node server and waits until it answers. */
  public static EtcdServer start(Options options) {
    Path dir = tempDir("libkv-etcd-");
    int client = FreePorts.next();
    int peer = FreePorts.next();
    String n = "node0";
    EtcdServer s =
        new EtcdServer(
            n, client, peer, dir.resolve("data"), options, n + "=http://127.0.0.1:" + peer, true);
    s.launch();
    s.awaitReady(Duration.ofSeconds(30));
    return s;
  }

  /**
   * A temporary directory for server data: under {@code -Dlibkv.etcd.dataRoot} if set, else under
   * {@code /dev/shm} where it exists (memory: no fsync wait, and a killed process still loses
   * nothing it wrote), else under the JVM's temporary directory.
   */
  static Path tempDir(String prefix) {
    try {
      String root = System.getProperty("libkv.etcd.dataRoot");
      Path shm = Path.of("/dev/shm");
      if (root != null) {
        return Files.createTempDirectory(Files.createDirectories(Path.of(root)), prefix);
      }
      if (Files.isDirectory(shm) && Files.isWritable(shm)) {
        return Files.createTempDirectory(shm, prefix);
      }
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the {@code etcd} binary is on this machine. */
  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/etcd"));
  }

  /** The member's name. */
  public String name() {
    return name;
  }

  /** {@code 127.0.0.1:port} of the client URL. */
  public String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  /** The client port on 127.0.0.1. */
  public int clientPort() {
    return clientPort;
  }

  /** The client URL, {@code http://} or {@code https://}. */
  public String clientUrl() {
    return (options.certFile != null ? "https" : "http") + "://" + endpoint();
  }

  String peerUrl() {
    return "http://127.0.0.1:" + peerPort;
  }

  /** The PID of the running process, or -1. */
  public synchronized long pid() {
    return process != null && process.isAlive() ? process.pid() : -1;
  }

  /** Whether the process runs. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  synchronized void launch() {
    if (isRunning()) {
      throw new IllegalStateException(name + " already runs");
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/etcd",
                "--name",
                name,
                "--data-dir",
                dataDir.toString(),
                "--listen-client-urls",
                clientUrl(),
                "--advertise-client-urls",
                clientUrl(),
                "--listen-peer-urls",
                peerUrl(),
                "--initial-advertise-peer-urls",
                peerUrl(),
                "--initial-cluster",
                initialCluster,
                "--initial-cluster-token",
                "libkv-" + Objects.requireNonNull(dataDir.getParent()).getFileName(),
                "--initial-cluster-state",
                "new",
                "--heartbeat-interval",
                Long.toString(options.heartbeat.toMillis()),
                "--election-timeout",
                Long.toString(options.electionTimeout.toMillis()),
                "--log-level",
                "warn",
                "--logger",
                "zap"));
    if (options.v2) {
      cmd.add("--enable-v2=true");
    }
    if (options.authTokenTtl != null) {
      cmd.addAll(
          List.of(
              "--auth-token-ttl", Long.toString(Math.max(1, options.authTokenTtl.toSeconds()))));
    }
    if (options.certFile != null) {
      // tls() sets the certificate and the key together
      cmd.addAll(
          List.of(
              "--cert-file",
              options.certFile.toString(),
              "--key-file",
              Objects.requireNonNull(options.keyFile).toString()));
      if (options.trustedCaFile != null) {
        cmd.addAll(List.of("--trusted-ca-file", options.trustedCaFile.toString()));
      }
      if (options.clientCertAuth) {
        cmd.add("--client-cert-auth");
      }
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start etcd (install Debian's etcd-server)", e);
    }
  }

  /** Waits until the client port accepts connections and the process is still alive. */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!isRunning()) {
        throw new IllegalStateException("etcd " + name + " exited: " + tail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
        return;
      } catch (IOException e) {
        sleep(50);
      }
    }
    throw new IllegalStateException(
        "etcd " + name + " did not listen within " + timeout + ": " + tail());
  }

  /** The last lines of the server's log, for failure messages. */
  public String tail() {
    return tail(logFile);
  }

  /** The last lines of a server's log file, for failure messages. */
  static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Kills the process with SIGKILL and waits for it to end; the data stays. */
  public synchronized void kill() {
    if (process != null && process.isAlive()) {
      resume();
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the process with SIGTERM (SIGKILL after 10 s); the data stays. */
  public synchronized void stop() {
    if (process != null && process.isAlive()) {
      resume();
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts the process again on the same data directory and ports, and waits until it listens. */
  public void restart() {
    kill();
    launchAgain();
    awaitReady(Duration.ofSeconds(30));
  }

  synchronized void launchAgain() {
    launch();
  }

  /**
   * Kills the process, deletes its data and starts an empty server on the same ports: clients of
   * the endpoint now talk to another cluster (another ID, revisions from 1 again).
   */
  public void replaceWithNewCluster() {
    kill();
    deleteTree(dataDir);
    launchAgain();
    awaitReady(Duration.ofSeconds(30));
  }

  /** Pauses the process (SIGSTOP): it holds its sockets but answers nothing. */
  public void pause() {
    signal("STOP");
  }

  /** Resumes a paused process (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private synchronized void signal(String sig) {
    long pid = pid();
    if (pid >= 0) {
      signal(pid, sig);
    }
  }

  /** Sends a signal to one process by its own PID (never by name), through {@code kill}. */
  static void signal(long pid, String sig) {
    try {
      Process p =
          new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills the process and deletes its directory. */
  @Override
  public void close() {
    kill();
    if (ownsDir) {
      deleteTree(
          Objects.requireNonNull(
              dataDir.getParent())); // the data dir is always one level under its own dir
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is not worth failing a test for
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "etcd " + name + " at " + clientUrl() + " (pid " + pid() + ")";
  }
}
