package io.libkv.testkit.servers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real, in-process ZooKeeper server on a free loopback port (Curator's {@code TestingServer}),
 * set up for tests: a short tick, explicit session-timeout bounds, TTL nodes enabled and a short
 * container check interval (the TTL-node sweep).
 *
 * <p>TTL nodes and the sweep interval are JVM-wide settings of ZooKeeper's server ({@code
 * zookeeper.extendedTypesEnabled}, {@code znode.container.checkIntervalMs}): the first server
 * started in a JVM fixes them for all.
 */
public final class ZooKeeperServer implements AutoCloseable {
  /** The tick: sessions are checked every tick, and session bounds default to multiples of it. */
  public static final Duration TICK = Duration.ofMillis(100);

  /** The smallest session timeout the server grants. */
  public static final Duration MIN_SESSION_TIMEOUT = Duration.ofMillis(500);

  /** The largest session timeout the server grants. */
  public static final Duration MAX_SESSION_TIMEOUT = Duration.ofSeconds(60);

  /** How often the server sweeps expired TTL nodes and empty containers. */
  public static final Duration CONTAINER_CHECK_INTERVAL = Duration.ofMillis(500);

  private final TestingServer server;

  private ZooKeeperServer(TestingServer server) {
    this.server = server;
  }

  /** Starts a standalone server. */
  public static ZooKeeperServer start() {
    prepareJvm();
    try {
      return new ZooKeeperServer(
          new TestingServer(spec(1, FreePorts.next(), FreePorts.next(), FreePorts.next()), true));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start ZooKeeper", e);
    }
  }

  /** Sets the JVM-wide server settings, unless something set them already. */
  static void prepareJvm() {
    setDefault("zookeeper.extendedTypesEnabled", "true");
    setDefault(
        "znode.container.checkIntervalMs", Long.toString(CONTAINER_CHECK_INTERVAL.toMillis()));
    setDefault("zookeeper.admin.enableServer", "false");
    setDefault("zookeeper.4lw.commands.whitelist", "*");
  }

  private static void setDefault(String k, String v) {
    if (System.getProperty(k) == null) {
      System.setProperty(k, v);
    }
  }

  static InstanceSpec spec(int id, int port, int electionPort, int quorumPort) {
    File dir;
    try {
      dir = Files.createTempDirectory("libkv-zk-").toFile();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> props =
        Map.of(
            "minSessionTimeout", Long.toString(MIN_SESSION_TIMEOUT.toMillis()),
            "maxSessionTimeout", Long.toString(MAX_SESSION_TIMEOUT.toMillis()));
    return new InstanceSpec(
        dir,
        port,
        electionPort,
        quorumPort,
        true,
        id,
        (int) TICK.toMillis(),
        200,
        props,
        "127.0.0.1");
  }

  /** The container check interval in force in this JVM. */
  public static Duration containerCheckInterval() {
    return Duration.ofMillis(
        Long.getLong("znode.container.checkIntervalMs", CONTAINER_CHECK_INTERVAL.toMillis()));
  }

  /** {@code 127.0.0.1:port}. */
  public String connectString() {
    return server.getConnectString();
  }

  /** The client port. */
  public int port() {
    return server.getPort();
  }

  /** Stops the server (its data stays, for {@link #restart()}). */
  public void stop() {
    try {
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts it again on the same port and data. */
  public void restart() {
    try {
      server.restart();
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart ZooKeeper", e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
