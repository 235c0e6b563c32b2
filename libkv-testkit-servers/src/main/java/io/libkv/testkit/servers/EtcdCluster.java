package io.libkv.testkit.servers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Several {@code etcd} members forming one cluster on loopback, each a real process with its own
 * data directory. Members can be killed, restarted, paused and resumed one by one.
 *
 * <p>Raft timing is raised (heartbeat 200 ms, election timeout 2 s by default) so that a loaded
 * two-core machine does not trigger spurious elections.
 */
public final class EtcdCluster implements AutoCloseable {
  private final List<EtcdServer> members;
  private final Path root;

  private EtcdCluster(List<EtcdServer> members, Path root) {
    this.members = members;
    this.root = root;
  }

  /** Starts {@code size} members with raised Raft timing and waits until each listens. */
  public static EtcdCluster start(int size) {
    return start(
        size, new EtcdServer.Options().timing(Duration.ofMillis(200), Duration.ofMillis(2000)));
  }

  /** Starts {@code size} members with the given options. */
  public static EtcdCluster start(int size, EtcdServer.Options options) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1");
    }
    Path root = EtcdServer.tempDir("libkv-etcd-cluster-");
    int[] client = new int[size];
    int[] peer = new int[size];
    List<String> initial = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      client[i] = FreePorts.next();
      peer[i] = FreePorts.next();
      initial.add("m" + i + "=http://127.0.0.1:" + peer[i]);
    }
    String cluster = String.join(",", initial);
    List<EtcdServer> ms = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ms.add(
          new EtcdServer(
              "m" + i, client[i], peer[i], root.resolve("m" + i), options, cluster, false));
    }
    EtcdCluster c = new EtcdCluster(ms, root);
    try {
      ms.forEach(EtcdServer::launch);
      ms.forEach(m -> m.awaitReady(Duration.ofSeconds(30)));
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** The members, in order. */
  public List<EtcdServer> members() {
    return List.copyOf(members);
  }

  /** Member {@code i}. */
  public EtcdServer member(int i) {
    return members.get(i);
  }

  /** Every member's {@code 127.0.0.1:port}. */
  public List<String> endpoints() {
    return members.stream().map(EtcdServer::endpoint).collect(Collectors.toList());
  }

  /** The endpoints joined by commas, as in an {@code etcd://} URI. */
  public String endpointList() {
    return String.join(",", endpoints());
  }

  /** Kills every member and deletes the data. */
  @Override
  public void close() {
    members.forEach(EtcdServer::kill);
    EtcdServer.deleteTree(root);
  }

  @Override
  public String toString() {
    return "etcd cluster " + endpointList();
  }
}
