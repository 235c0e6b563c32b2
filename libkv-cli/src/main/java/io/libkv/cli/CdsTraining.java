package io.libkv.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The run the {@code libkv} launcher records its class-data sharing archive from (docs/cli.md,
 * "Startup"): the JVM archives every class a run loads, so this one loads what the common commands
 * load, in process and over byte buffers. Not a command: it prints nothing and touches only the
 * scratch directory it is given.
 *
 * <p>{@code java -XX:ArchiveClassesAtExit=FILE -cp ... io.libkv.cli.CdsTraining SCRATCH_DIR}
 */
public final class CdsTraining {
  private CdsTraining() {}

  /**
   * Runs the training commands; exits 0 once they ran, whatever their own outcome.
   *
   * @param args one argument: an existing directory for the training's bbolt file
   */
  public static void main(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CdsTraining SCRATCH_DIR");
    }
    Logging.quietUntilUsed();
    String bolt = Stores.BOLTDB_SCHEME + Path.of(args[0]).resolve("training.db");
    run("--store", bolt, "put", "k", "v");
    run("--store", bolt, "get", "k");
    run("--store", bolt, "ls");
    run("--store", bolt, "rm", "k");
    run("--help");
    // etcd's client (gRPC, Netty) up to its first call, against a loopback port nothing listens on:
    // the call fails at once, and the connect timeout bounds the retries
    run("--store", "etcd://127.0.0.1:" + closedPort() + "?connectTimeout=300ms", "get", "k");
    // what every command loads outside the in-process runs above: its entry point, how it exits
    for (String name : new String[] {"Main", "FastExit", "FastExit$LibC", "Termination"}) {
      load("io.libkv.cli." + name);
    }
  }

  private static void load(String name) {
    try {
      Class.forName(name, false, CdsTraining.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(String... args) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    new Cli(new ByteArrayInputStream(new byte[0]), sink, err, Map.of(), false, false).run(args);
  }

  private static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
