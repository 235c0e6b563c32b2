package io.libkv.testkit.servers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three primaries without replicas, each a real {@code redis-server} on loopback
 * ({@code cluster-enabled yes}, {@code cluster-node-timeout 2000}), joined with {@code redis-cli
 * --cluster create} and holding all 16384 hash slots.
 */
public final class RedisCluster implements AutoCloseable {
  /** The number of hash slots of a Redis Cluster. */
  public static final int SLOTS = 16384;

  private static final int SIZE = 3;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

  private final Path root;
  private final List<RedisServer> nodes = new ArrayList<>();

  private RedisCluster(Path root) {
    this.root = root;
  }

  /** Starts three plain nodes and creates the cluster. */
  public static RedisCluster start() {
    return start(new RedisServer.Options());
  }

  /**
   * Starts three nodes with {@code options} (TLS adds {@code tls-cluster yes} and {@code
   * tls-replication yes}; a password or admin user is also the cluster bus's credential) and
   * creates the cluster. {@code replicaOf} is refused: the cluster sets its own roles.
   */
  public static RedisCluster start(RedisServer.Options options) {
    if (options.primary != null) {
      throw new IllegalArgumentException("cluster nodes take no replicaOf");
    }
    Path root = EtcdServer.tempDir("libkv-redis-cluster-");
    RedisCluster c = new RedisCluster(root);
    try {
      for (int i = 0; i < SIZE; i++) {
        RedisServer.Options o =
            options
                .copy()
                .extraConfig("cluster-enabled yes")
                .extraConfig("cluster-config-file nodes.conf")
                .extraConfig("cluster-node-timeout 2000")
                // explicit: the default, port + 10000, may be taken or above 65535
                .extraConfig("cluster-port " + FreePorts.next())
                .ownReplicationAuth();
        if (options.tls()) {
          o.extraConfig("tls-cluster yes").extraConfig("tls-replication yes");
        }
        c.nodes.add(RedisServer.startIn("node" + i, root.resolve("node" + i), o, false));
      }
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      create.addAll(c.seedAddresses());
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      c.nodes.get(0).cli(Duration.ofSeconds(60), create.toArray(String[]::new));
      c.awaitOk(SETTLE_TIMEOUT);
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Waits until every node says {@code cluster_state:ok} with all slots assigned. */
  private void awaitOk(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (RedisServer n : nodes) {
        String info = n.cli("CLUSTER", "INFO");
        boolean ok =
            info.contains("cluster_state:ok")
                && info.contains("cluster_slots_assigned:" + SLOTS)
                && info.contains("cluster_known_nodes:" + SIZE);
        if (!ok) {
          last = n.name() + ": " + info.replace("\r", "").replace('\n', ' ');
        }
        all &= ok;
      }
      if (all) {
        return;
      }
      EtcdServer.sleep(200);
    }
    throw new IllegalStateException("cluster not ok within " + timeout + ": " + last);
  }

  /** The nodes, in start order. */
  public List<RedisServer> nodes() {
    return List.copyOf(nodes);
  }

  /** Every node's {@code 127.0.0.1:port}, for a client's seed list. */
  public List<String> seedAddresses() {
    return nodes.stream().map(RedisServer::address).collect(Collectors.toList());
  }

  /** The node that serves {@code slot} now, as a running node's {@code CLUSTER NODES} says. */
  public RedisServer nodeForSlot(int slot) {
    if (slot < 0 || slot >= SLOTS) {
      throw new IllegalArgumentException("slot " + slot + " is outside 0.." + (SLOTS - 1));
    }
    RedisServer asked = firstRunning();
    String table = asked.cli("CLUSTER", "NODES");
    for (String line : table.split("\n")) {
      // <id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slots...>
      String[] f = line.strip().split(" ");
      if (f.length < 9 || !f[2].contains("master")) {
        continue;
      }
      for (int i = 8; i < f.length; i++) {
        if (f[i].startsWith("[")) {
          continue; // a slot being migrated or imported: not served from here yet
        }
        int dash = f[i].indexOf('-');
        int from = Integer.parseInt(dash < 0 ? f[i] : f[i].substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(f[i].substring(dash + 1));
        if (from <= slot && slot <= to) {
          return byAddress(f[1]);
        }
      }
    }
    throw new IllegalStateException("no node serves slot " + slot + ": " + table);
  }

  /** The node that serves {@code key}'s slot ({@code CLUSTER KEYSLOT}). */
  public RedisServer nodeForKey(String key) {
    Objects.requireNonNull(key, "key");
    return nodeForSlot(keySlot(key));
  }

  /** {@code key}'s hash slot, as the cluster computes it ({@code CLUSTER KEYSLOT}). */
  public int keySlot(String key) {
    return Integer.parseInt(firstRunning().cli("CLUSTER", "KEYSLOT", key).strip());
  }

  private RedisServer byAddress(String field) {
    int at = field.indexOf('@');
    String hostPort = at < 0 ? field : field.substring(0, at);
    int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    return nodes.stream()
        .filter(n -> n.port() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no node on port " + port));
  }

  private RedisServer firstRunning() {
    return nodes.stream()
        .filter(RedisServer::isRunning)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no cluster node runs"));
  }

  /** Kills every node and deletes the directories. */
  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
    EtcdServer.deleteTree(root);
  }

  @Override
  public String toString() {
    return "redis cluster " + seedAddresses();
  }
}
