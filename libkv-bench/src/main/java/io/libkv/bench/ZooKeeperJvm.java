package io.libkv.bench;

import io.libkv.testkit.servers.ZooKeeperServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A ZooKeeper server in a JVM of its own, for the benchmarks that measure Java clients: the
 * server's garbage and threads then do not fall on the clients measured. The child runs until its
 * standard input closes, which happens when the parent ends however it ends.
 */
final class ZooKeeperJvm implements AutoCloseable {
  private final Process process;
  private final String connectString;

  private ZooKeeperJvm(Process process, String connectString) {
    this.process = process;
    this.connectString = connectString;
  }

  /**
   * Starts the child JVM and waits until it serves.
   *
   * @return the running server
   * @throws IOException when the child cannot start or ends before it serves
   */
  static ZooKeeperJvm start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), ZooKeeperJvm.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String connect =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    if (connect == null) {
      p.destroyForcibly();
      throw new IOException("the ZooKeeper JVM ended before it served");
    }
    return new ZooKeeperJvm(p, connect);
  }

  /**
   * @return host:port of the server
   */
  String connectString() {
    return connectString;
  }

  /** Closes the child's standard input, so that it stops its server, and waits for it. */
  @Override
  public void close() throws IOException {
    process.getOutputStream().close();
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * The child: prints the connect string as its first line, then serves until its standard input
   * closes.
   *
   * @param args none
   * @throws Exception when the server cannot start
   */
  public static void main(String[] args) throws Exception {
    try (ZooKeeperServer server = ZooKeeperServer.start()) {
      System.out.println(server.connectString());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent closes our stdin or exits
      }
    }
  }
}
