package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.jspecify.annotations.Nullable;

/**
 * A real ZooKeeper ensemble of in-process servers on free loopback ports (Curator's {@code
 * TestingCluster}), with the settings of {@link ZooKeeperServer}. Members can be killed and
 * restarted, the leader found.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {
  private final TestingCluster cluster;
  private final List<InstanceSpec> specs;

  private ZooKeeperEnsemble(TestingCluster cluster, List<InstanceSpec> specs) {
    this.cluster = cluster;
    this.specs = specs;
  }

  /** Starts an ensemble of {@code size} servers and waits until it has a leader. */
  public static ZooKeeperEnsemble start(int size) {
    ZooKeeperServer.prepareJvm();
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      specs.add(ZooKeeperServer.spec(i, FreePorts.next(), FreePorts.next(), FreePorts.next()));
    }
    TestingCluster c = new TestingCluster(specs);
    try {
      c.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the ZooKeeper ensemble", e);
    }
    ZooKeeperEnsemble e = new ZooKeeperEnsemble(c, specs);
    e.awaitLeader(30_000);
    return e;
  }

  /** All members' {@code host:port}, comma-separated. */
  public String connectString() {
    return cluster.getConnectString();
  }

  /** The number of members. */
  public int size() {
    return specs.size();
  }

  /** Member {@code i}'s client {@code host:port} (0-based). */
  public String endpoint(int i) {
    return "127.0.0.1:" + specs.get(i).getPort();
  }

  /** The index of the current leader, waiting up to {@code timeoutMillis} for one. */
  public int awaitLeader(long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      for (int i = 0; i < specs.size(); i++) {
        if ("leader".equals(mode(specs.get(i).getPort()))) {
          return i;
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("no ZooKeeper leader within " + timeoutMillis + " ms");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * A member's mode ("leader", "follower", "standalone"), by the {@code srvr} command; null if it
   * does not answer.
   */
  static @Nullable String mode(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(1000);
      s.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      for (String line : reply.split("\n")) {
        if (line.startsWith("Mode: ")) {
          return line.substring(6).trim();
        }
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Kills member {@code i} (as a crash: no clean shutdown). */
  public void kill(int i) {
    try {
      cluster.killServer(specs.get(i));
    } catch (Exception e) {
      throw new IllegalStateException("cannot kill member " + i, e);
    }
  }

  /** Restarts member {@code i}. */
  public void restart(int i) {
    try {
      cluster.restartServer(specs.get(i));
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart member " + i, e);
    }
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
