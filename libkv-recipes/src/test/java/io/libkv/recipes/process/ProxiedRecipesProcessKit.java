package io.libkv.recipes.process;

import io.libkv.testkit.servers.TcpProxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The process kit for a network backend: each child reaches the server through a proxy of its own,
 * which the kit can freeze.
 *
 * @param <S> the test server
 */
abstract class ProxiedRecipesProcessKit<S extends AutoCloseable> extends RecipesProcessKit {
  private final Supplier<S> start;
  private final ToIntFunction<S> port;
  private final Function<String, String> uriAt;
  private final Map<Integer, TcpProxy> proxies = new ConcurrentHashMap<>();
  private S server;

  /**
   * @param start starts the server
   * @param port its client port on 127.0.0.1
   * @param uriAt the store URI for a {@code host:port}
   */
  ProxiedRecipesProcessKit(
      Supplier<S> start, ToIntFunction<S> port, Function<String, String> uriAt) {
    this.start = start;
    this.port = port;
    this.uriAt = uriAt;
  }

  @Override
  protected void startServers() {
    server = start.get();
  }

  @Override
  protected void stopServers() throws Exception {
    proxies.values().forEach(TcpProxy::close);
    proxies.clear();
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected String uri(int n) {
    TcpProxy old = proxies.remove(n);
    if (old != null) {
      old.close();
    }
    TcpProxy p = TcpProxy.to(port.applyAsInt(server));
    proxies.put(n, p);
    return uriAt.apply(p.address());
  }

  @Override
  protected String observerUri() {
    return uriAt.apply("127.0.0.1:" + port.applyAsInt(server));
  }

  @Override
  protected boolean canHangStore() {
    return true;
  }

  @Override
  protected void hangStore(int n, boolean hang) {
    proxies.get(n).hang(hang);
  }
}
