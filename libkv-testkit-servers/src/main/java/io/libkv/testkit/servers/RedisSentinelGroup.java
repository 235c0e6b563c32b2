package io.libkv.testkit.servers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A Redis primary, one replica and three {@code redis-sentinel} processes monitoring them under the
 * master name {@value #MASTER_NAME}, all real processes on loopback. Sentinels fail over after 1 s
 * without answers ({@code down-after-milliseconds 1000}) with a quorum of two.
 *
 * <p>Roles change: {@link #primary()} and {@link #replica()} ask a sentinel, they do not remember
 * which server started as what.
 */
public final class RedisSentinelGroup implements AutoCloseable {
  /** The name the sentinels monitor the primary under. */
  public static final String MASTER_NAME = "libkv";

  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

  private final Path root;
  private final List<RedisServer> servers = new ArrayList<>();
  private final List<RedisServer> sentinels = new ArrayList<>();
  private RedisServer knownPrimary;

  private RedisSentinelGroup(Path root, RedisServer primary) {
    this.root = root;
    this.knownPrimary = primary;
  }

  /** Starts a group with plain, password-less data servers. */
  public static RedisSentinelGroup start() {
    return start(new RedisServer.Options());
  }

  /**
   * Starts a group whose data servers use {@code options} (a password or an admin user, which the
   * sentinels then authenticate with; append-only files; extra configuration). TLS and {@code
   * replicaOf} are refused: the group sets replication itself and its sentinels speak plain TCP.
   */
  public static RedisSentinelGroup start(RedisServer.Options options) {
    if (options.tls() || options.primary != null) {
      throw new IllegalArgumentException(
          "a sentinel group's data servers take neither tls nor replicaOf");
    }
    Path root = EtcdServer.tempDir("libkv-redis-sentinel-");
    RedisServer primary;
    try {
      primary =
          RedisServer.startIn(
              "node0", root.resolve("node0"), options.copy().ownReplicationAuth(), false);
    } catch (RuntimeException e) {
      EtcdServer.deleteTree(root);
      throw e;
    }
    RedisSentinelGroup g = new RedisSentinelGroup(root, primary);
    try {
      g.servers.add(primary);
      RedisServer replica =
          RedisServer.startIn(
              "node1", root.resolve("node1"), options.copy().replicaOf(primary), false);
      g.servers.add(replica);
      replica.awaitReplicationLink(SETTLE_TIMEOUT);
      for (int i = 0; i < 3; i++) {
        g.sentinels.add(
            RedisServer.startSentinel(
                "sentinel" + i, root.resolve("sentinel" + i), g.sentinelLines(options, primary)));
      }
      g.awaitSentinelsSettled(SETTLE_TIMEOUT);
      return g;
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
  }

  private List<String> sentinelLines(RedisServer.Options options, RedisServer primary) {
    List<String> l = new ArrayList<>();
    l.add("sentinel announce-ip 127.0.0.1");
    l.add("sentinel resolve-hostnames no");
    l.add("sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary.port() + " 2");
    l.add("sentinel down-after-milliseconds " + MASTER_NAME + " 1000");
    l.add("sentinel failover-timeout " + MASTER_NAME + " 5000");
    l.add("sentinel parallel-syncs " + MASTER_NAME + " 1");
    if (options.adminUser != null) {
      l.add("sentinel auth-user " + MASTER_NAME + " " + options.adminUser);
      l.add("sentinel auth-pass " + MASTER_NAME + " " + options.adminPassword);
    } else if (options.requirePass != null) {
      l.add("sentinel auth-pass " + MASTER_NAME + " " + options.requirePass);
    }
    return l;
  }

  /** Waits until every sentinel knows the replica and the two other sentinels. */
  private void awaitSentinelsSettled(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> last = Map.of();
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (RedisServer s : sentinels) {
        last = pairs(s.cli("SENTINEL", "MASTER", MASTER_NAME));
        all &= "1".equals(last.get("num-slaves")) && "2".equals(last.get("num-other-sentinels"));
      }
      if (all) {
        return;
      }
      EtcdServer.sleep(200);
    }
    throw new IllegalStateException(
        "sentinels did not see the replica and each other within " + timeout + ": " + last);
  }

  /** A flat reply of alternating field names and values, as {@code redis-cli} prints it. */
  private static Map<String, String> pairs(String reply) {
    String[] lines = reply.split("\n");
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < lines.length; i += 2) {
      m.put(lines[i].strip(), lines[i + 1].strip());
    }
    return m;
  }

  /** {@value #MASTER_NAME}. */
  public String masterName() {
    return MASTER_NAME;
  }

  /** Every sentinel's {@code 127.0.0.1:port}. */
  public List<String> sentinelAddresses() {
    return sentinels.stream().map(RedisServer::address).collect(Collectors.toList());
  }

  /**
   * The sentinel processes, to kill or pause one; {@link RedisServer#cli(String...)} talks to the
   * sentinel.
   */
  public List<RedisServer> sentinels() {
    return List.copyOf(sentinels);
  }

  /** Both data servers, in start order (not by role). */
  public List<RedisServer> servers() {
    return List.copyOf(servers);
  }

  /** The server a running sentinel names as primary now ({@code get-master-addr-by-name}). */
  public RedisServer primary() {
    return byPort(namedPrimaryPort(firstRunningSentinel()));
  }

  /** The data server that is not {@link #primary()}. */
  public RedisServer replica() {
    RedisServer p = primary();
    return servers.stream()
        .filter(s -> s != p)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no replica"));
  }

  /** Kills the current primary with SIGKILL and returns it. */
  public RedisServer killPrimary() {
    RedisServer p = primary();
    knownPrimary = p;
    p.kill();
    return p;
  }

  /**
   * Waits until every running sentinel names the same primary, other than the last one this group
   * knew (the first primary, or the one {@link #killPrimary()} killed or the last failover gave),
   * and that server runs and reports {@code role:master}; returns it.
   */
  public RedisServer awaitFailover(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        List<Integer> named = new ArrayList<>();
        for (RedisServer s : sentinels) {
          if (s.isRunning()) {
            named.add(namedPrimaryPort(s));
          }
        }
        last = "sentinels name " + named;
        if (!named.isEmpty() && named.stream().distinct().count() == 1) {
          RedisServer p = byPort(named.get(0));
          if (p != knownPrimary && p.isRunning()) {
            String role = p.info("replication").get("role");
            last += ", " + p.name() + " says role:" + role;
            if ("master".equals(role)) {
              knownPrimary = p;
              return p;
            }
          }
        }
      } catch (IllegalStateException e) {
        last = String.valueOf(e.getMessage());
      }
      EtcdServer.sleep(200);
    }
    throw new IllegalStateException(
        "no failover from "
            + knownPrimary.name()
            + " within "
            + timeout
            + " ("
            + last
            + ")\n"
            + sentinelTails());
  }

  /**
   * Starts a killed or stopped server again on its data and waits, at most {@code timeout}, until
   * the sentinels have made it a replica of the current primary and its replication link is up
   * (sentinels wait some seconds before they reconfigure a returning former primary).
   */
  public void restart(RedisServer server, Duration timeout) {
    if (!servers.contains(server)) {
      throw new IllegalArgumentException(server + " is not a data server of this group");
    }
    server.restart();
    try {
      server.awaitReplicationLink(timeout);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(e.getMessage() + "\n" + sentinelTails(), e);
    }
    int primaryPort = primary().port();
    String masterPort = server.info("replication").get("master_port");
    if (!Integer.toString(primaryPort).equals(masterPort)) {
      throw new IllegalStateException(
          server + " replicates port " + masterPort + ", not the primary's " + primaryPort);
    }
  }

  /**
   * {@link #restart(RedisServer, Duration)} waiting at most 60 s: Sentinel waits 8 s before it
   * reconfigures a returning primary, and a sentinel whose timer stalled (a loaded machine) acts on
   * nothing for 30 s (its TILT mode).
   */
  public void restart(RedisServer server) {
    restart(server, Duration.ofSeconds(60));
  }

  private String sentinelTails() {
    return sentinels.stream()
        .map(s -> s.name() + ":\n" + s.tail())
        .collect(Collectors.joining("\n"));
  }

  private RedisServer firstRunningSentinel() {
    return sentinels.stream()
        .filter(RedisServer::isRunning)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no sentinel runs"));
  }

  private static int namedPrimaryPort(RedisServer sentinel) {
    String[] hostPort =
        sentinel.cli("SENTINEL", "get-master-addr-by-name", MASTER_NAME).split("\n");
    if (hostPort.length != 2) {
      throw new IllegalStateException(
          sentinel + " names no primary: " + String.join(" ", hostPort));
    }
    return Integer.parseInt(hostPort[1].strip());
  }

  private RedisServer byPort(int port) {
    return servers.stream()
        .filter(s -> s.port() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no data server on port " + port));
  }

  /** Kills every process and deletes the directories. */
  @Override
  public void close() {
    sentinels.forEach(RedisServer::close);
    servers.forEach(RedisServer::close);
    EtcdServer.deleteTree(root);
  }

  @Override
  public String toString() {
    return "redis sentinel group " + MASTER_NAME + " " + sentinelAddresses();
  }
}
