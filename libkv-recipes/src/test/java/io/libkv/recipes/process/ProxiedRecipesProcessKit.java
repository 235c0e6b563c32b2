package io.libkv.recipes.process;

import io.libkv.testkit.servers.TcpProxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The process kit for a network backend: each child reaches the server through a proxy of its own. */
abstract class ProxiedRecipesProcessKit extends RecipesProcessKit {
  private final Map<Integer, TcpProxy> proxies = new ConcurrentHashMap<>();

  /** The server's client port on 127.0.0.1. */
  protected abstract int serverPort();

  /** The URI of a store at {@code address} (host:port). */
  protected abstract String uriAt(String address);

  @Override
  protected String uri(int n) {
    TcpProxy old = proxies.remove(n);
    if (old != null) {
      old.close();
    }
    TcpProxy p = TcpProxy.to(serverPort());
    proxies.put(n, p);
    return uriAt(p.address());
  }

  @Override
  protected String observerUri() {
    return uriAt("127.0.0.1:" + serverPort());
  }

  @Override
  protected boolean canHangStore() {
    return true;
  }

  @Override
  protected void hangStore(int n, boolean hang) {
    proxies.get(n).hang(hang);
  }

  @Override
  protected void stopServers() throws Exception {
    proxies.values().forEach(TcpProxy::close);
    proxies.clear();
    stopServer();
  }

  /** Stops the server. */
  protected abstract void stopServer() throws Exception;
}
