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
 * A TCP proxy on 127.0.0.1 in front of one server, so a test can cut one client off (every
 * connection dropped, new ones closed at once) while others keep talking to the same server.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  private volatile boolean hung;
  private volatile boolean repliesHeld;
  private volatile boolean closed;
  private final Object hangLock = new Object();

  private TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "tcp-proxy-" + listener.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  /** Starts a proxy to {@code 127.0.0.1:targetPort}. */
  public static TcpProxy to(int targetPort) {
    try {
      return new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a TCP proxy", e);
    }
  }

  /** The proxy's port. */
  public int port() {
    return listener.getLocalPort();
  }

  /** {@code 127.0.0.1:PORT} of the proxy. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Drops every connection and closes new ones at once, until {@link #restore()}. */
  public void cut() {
    cut = true;
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  /** Forwards again. */
  public void restore() {
    cut = false;
  }

  /**
   * Holds every byte in either direction ({@code true}): connections stay open and requests go
   * unanswered, as with a hung server; {@code false} forwards again.
   */
  public void hang(boolean hang) {
    synchronized (hangLock) {
      hung = hang;
      hangLock.notifyAll();
    }
  }

  /**
   * Holds every byte from the server ({@code true}) while requests still reach it: writes are
   * applied but their answers never come, the case a client must report as an unknown outcome;
   * {@code false} forwards again.
   */
  public void holdReplies(boolean hold) {
    synchronized (hangLock) {
      repliesHeld = hold;
      hangLock.notifyAll();
    }
  }

  /** Whether connections are being dropped. */
  public boolean isCut() {
    return cut;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      if (cut || closed) {
        closeQuietly(client);
        continue;
      }
      Socket server = new Socket();
      try {
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        server.connect(target, 5000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(server);
        continue;
      }
      open.add(client);
      open.add(server);
      pump(client, server, false);
      pump(server, client, true);
    }
  }

  private void pump(Socket from, Socket to, boolean replies) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  synchronized (hangLock) {
                    while ((hung || (replies && repliesHeld)) && !closed && !cut) {
                      hangLock.wait(100);
                    }
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // the other side closed, or the proxy cut the connection
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
              }
            },
            "tcp-proxy-pump-" + listener.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
