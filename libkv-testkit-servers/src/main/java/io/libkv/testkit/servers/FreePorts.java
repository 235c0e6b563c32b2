package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free TCP ports on the loopback interface, for servers started by tests. A port is handed out once
 * per JVM: the kernel may offer a port it just offered, and a server given two ports (a Redis
 * cluster node's client and bus ports) that are the same one fails to start.
 */
public final class FreePorts {
  private static final Set<Integer> GIVEN = new HashSet<>();

  private FreePorts() {}

  /** A port that was free on 127.0.0.1 a moment ago and that no caller in this JVM had before. */
  public static int next() {
    while (true) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        s.setReuseAddress(true);
        port = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("no free loopback port", e);
      }
      synchronized (GIVEN) {
        if (GIVEN.add(port)) {
          return port;
        }
      }
    }
  }
}
