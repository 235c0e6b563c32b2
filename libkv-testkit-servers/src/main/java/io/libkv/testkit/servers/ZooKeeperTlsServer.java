package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A ZooKeeper server serving TLS only, in a JVM of its own: ZooKeeper's server reads its TLS
 * settings from JVM-wide system properties, which must not leak into the tests' JVM.
 *
 * <p>Runs {@code ZooKeeperServerMain} from the current class path with the Netty connection
 * factory, a key store and a trust store (PEM); clients must present a certificate the trust store
 * accepts.
 */
public final class ZooKeeperTlsServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path dir;

  private ZooKeeperTlsServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts the server and waits until its secure port accepts connections.
   *
   * @param keyStorePem the server's PEM key store (PKCS#8 key and certificate chain in one file)
   * @param trustPem PEM certificates of the CAs whose client certificates are accepted
   */
  public static ZooKeeperTlsServer start(Path keyStorePem, Path trustPem) {
    try {
      Path dir = Files.createTempDirectory("libkv-zk-tls-");
      int port = FreePorts.next();
      Path cfg = dir.resolve("zoo.cfg");
      Files.writeString(
          cfg,
          "tickTime=100\n"
              + "dataDir="
              + dir.resolve("data")
              + "\n"
              + "secureClientPort="
              + port
              + "\n"
              + "secureClientPortAddress=127.0.0.1\n"
              + "minSessionTimeout=500\n"
              + "maxSessionTimeout=60000\n"
              + "admin.enableServer=false\n");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx128m");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory");
      cmd.add("-Dzookeeper.ssl.keyStore.location=" + keyStorePem);
      cmd.add("-Dzookeeper.ssl.keyStore.type=PEM");
      cmd.add("-Dzookeeper.ssl.trustStore.location=" + trustPem);
      cmd.add("-Dzookeeper.ssl.trustStore.type=PEM");
      cmd.add("-Dzookeeper.admin.enableServer=false");
      cmd.add("org.apache.zookeeper.server.ZooKeeperServerMain");
      cmd.add(cfg.toString());
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("server.log").toFile())
              .start();
      ZooKeeperTlsServer s = new ZooKeeperTlsServer(p, port, dir);
      long deadline = System.currentTimeMillis() + 30_000;
      while (!s.accepting()) {
        if (!p.isAlive() || System.currentTimeMillis() > deadline) {
          String log =
              Files.exists(dir.resolve("server.log"))
                  ? Files.readString(dir.resolve("server.log"))
                  : "";
          s.close();
          throw new IllegalStateException("the TLS ZooKeeper server did not start:\n" + log);
        }
        Thread.sleep(100);
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean accepting() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return s.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code 127.0.0.1:port} of the secure port. */
  public String connectString() {
    return "127.0.0.1:" + port;
  }

  /** The server's log file. */
  public Path log() {
    return dir.resolve("server.log");
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
