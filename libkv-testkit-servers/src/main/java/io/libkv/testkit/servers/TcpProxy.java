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
 * A loopback TCP proxy in front of one server port, so a test can cut one client off (its
 * connections are closed and new ones refused, as when a network link goes down) and reconnect it,
 * while other clients keep talking to the server. Threads are daemons; {@link #close()} stops all.
 */
public final class TcpProxy implements AutoCloseable {
  private final int port;
  private final String targetHost;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private ServerSocket server;
  private boolean closed;

  /** A proxy on a free loopback port forwarding to {@code host:port}; it listens at once. */
  public TcpProxy(String host, int port) {
    this.targetHost = host;
    this.targetPort = port;
    this.port = FreePorts.next();
    open();
  }

  /** A proxy in front of {@code host:port} written as one string. */
  public static TcpProxy to(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    return new TcpProxy(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
  }

  /** {@code 127.0.0.1:port} of the proxy. */
  public String endpoint() {
    return "127.0.0.1:" + port;
  }

  /** Stops forwarding: closes every connection and stops listening, so new ones are refused. */
  public synchronized void cut() {
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        // closing anyway
      }
      server = null;
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  /** Listens and forwards again after {@link #cut()}. */
  public synchronized void restore() {
    if (server == null && !closed) {
      open();
    }
  }

  private synchronized void open() {
    ServerSocket ss = null;
    for (int i = 0; i < 50 && ss == null; i++) {
      try {
        ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
      } catch (IOException e) {
        closeQuietly(ss);
        ss = null;
        EtcdServer.sleep(100);
      }
    }
    if (ss == null) {
      throw new UncheckedIOException(new IOException("cannot listen on 127.0.0.1:" + port));
    }
    server = ss;
    ServerSocket listening = ss;
    Thread t = new Thread(() -> accept(listening), "tcp-proxy-" + port);
    t.setDaemon(true);
    t.start();
  }

  private void accept(ServerSocket ss) {
    while (!ss.isClosed()) {
      Socket client;
      try {
        client = ss.accept();
      } catch (IOException e) {
        return;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 2000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      synchronized (this) {
        if (server != ss) {
          closeQuietly(client);
          closeQuietly(upstream);
          return;
        }
        sockets.add(client);
        sockets.add(upstream);
      }
      pipe(client, upstream);
      pipe(upstream, client);
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side went away
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "tcp-proxy-pipe-" + port);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /** Stops listening and closes every connection, for good. */
  @Override
  public synchronized void close() {
    closed = true;
    cut();
  }
}
