package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real {@code consul agent -dev} on loopback, for running the same tests as on the emulator when
 * a Consul binary is installed: {@code LIBKV_CONSUL_BIN}, else {@code consul} on the PATH. It binds
 * 127.0.0.1 only, on free ports, keeps its data in memory (a restart loses it, as the emulator's
 * does) and is stopped by its PID.
 */
public final class ConsulAgent implements AutoCloseable {
  private final Path binary;
  private final int httpPort;
  private final int serverPort;
  private final int serfLan;
  private final int serfWan;
  private final int dnsPort;
  private final int grpcPort;
  private final Path log;
  private final Duration sessionTtlMin;
  private @Nullable Process process;

  private ConsulAgent(Path binary, Duration sessionTtlMin) throws IOException {
    this.binary = binary;
    this.sessionTtlMin = sessionTtlMin;
    this.httpPort = FreePorts.next();
    this.serverPort = FreePorts.next();
    this.serfLan = FreePorts.next();
    this.serfWan = FreePorts.next();
    this.dnsPort = FreePorts.next();
    this.grpcPort = FreePorts.next();
    this.log = Files.createTempFile("consul-agent", ".log");
    launch();
  }

  /** The Consul binary to use, if one is installed. */
  public static Optional<Path> binary() {
    String env = System.getenv("LIBKV_CONSUL_BIN");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "consul");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Starts a dev agent with the given {@code session_ttl_min}.
   *
   * @throws IllegalStateException if no Consul binary is installed
   */
  public static ConsulAgent start(Duration sessionTtlMin) {
    Path bin =
        binary()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no consul binary: set LIBKV_CONSUL_BIN or put consul on the PATH"));
    try {
      return new ConsulAgent(bin, sessionTtlMin);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start consul", e);
    }
  }

  private void launch() throws IOException {
    String hcl =
        "ports { http = "
            + httpPort
            + ", server = "
            + serverPort
            + ", serf_lan = "
            + serfLan
            + ", serf_wan = "
            + serfWan
            + ", dns = "
            + dnsPort
            + ", grpc = "
            + grpcPort
            + " }\n"
            + "session_ttl_min = \""
            + sessionTtlMin.toMillis()
            + "ms\"\n";
    Path config = Files.createTempFile("consul-agent", ".hcl");
    Files.writeString(config, hcl);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "agent",
                "-dev",
                "-bind",
                "127.0.0.1",
                "-client",
                "127.0.0.1",
                "-config-file",
                config.toString()));
    process =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("consul exited at start: see " + log);
      }
      if (leaderKnown()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while consul started", e);
      }
    }
    stopProcess();
    throw new IllegalStateException("consul did not elect itself leader within 30 s: see " + log);
  }

  private boolean leaderKnown() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), httpPort)) {
      s.getOutputStream()
          .write(
              ("GET /v1/status/leader HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer =
          new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return answer.startsWith("HTTP/1.0 200") && answer.contains(":" + serverPort + "\"");
    } catch (IOException e) {
      return false;
    }
  }

  /** The HTTP API's port. */
  public int port() {
    return httpPort;
  }

  /** {@code 127.0.0.1:PORT} of the HTTP API. */
  public String address() {
    return "127.0.0.1:" + httpPort;
  }

  /**
   * Restarts the agent: a dev agent keeps nothing, so every key and session is lost and indexes
   * restart.
   */
  public void restart() {
    stopProcess();
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restart consul", e);
    }
  }

  private void stopProcess() {
    if (process == null) {
      return;
    }
    ProcessHandle h = process.toHandle();
    h.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        h.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      h.destroyForcibly();
    }
    process = null;
  }

  @Override
  public void close() {
    stopProcess();
  }
}
