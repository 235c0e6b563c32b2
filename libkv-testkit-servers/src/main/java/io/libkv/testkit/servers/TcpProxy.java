package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of one server endpoint, for cutting one client off: {@link #cut()}
 * drops its connections and refuses new ones (as a partition would) until {@link #restore()}.
 * Its threads are daemons.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  private volatile boolean closed;

  private TcpProxy(ServerSocket listener, String targetHost, int targetPort) {
    this.listener = listener;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /** Starts a proxy to {@code host:port} on a free loopback port. */
  public static TcpProxy start(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      TcpProxy p = new TcpProxy(ss, hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
      Thread t = new Thread(p::acceptLoop, "tcp-proxy-accept-" + ss.getLocalPort());
      t.setDaemon(true);
      t.start();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code 127.0.0.1:port} of the proxy. */
  public String endpoint() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /** Drops every connection and refuses new ones. */
  public void cut() {
    cut = true;
    for (Socket s : open) {
      quietClose(s);
    }
  }

  /** Forwards again. */
  public void restore() {
    cut = false;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      if (cut) {
        quietClose(client);
        continue;
      }
      try {
        Socket server = new Socket();
        server.connect(new InetSocketAddress(targetHost, targetPort), 2000);
        open.add(client);
        open.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        quietClose(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n = in.read(buf); n >= 0 && !cut; n = in.read(buf)) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // closed or cut
      } finally {
        quietClose(from);
        quietClose(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void quietClose(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    cut();
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
