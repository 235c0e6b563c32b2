package io.libkv.redis.internal;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.redis.RedisOptions;
import io.libkv.testkit.servers.RedisServer;
import io.libkv.testkit.servers.TcpProxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on a real standalone Redis, in full. Each client talks to Redis through a
 * loopback proxy of its own, so that one client is cut off at the network while the others go on.
 */
@DisplayName("Redis store compatibility (standalone)")
class RedisStoreCompatibilityTest extends RedisKit {
  private static RedisServer server;
  private static final List<TcpProxy> PROXIES = new CopyOnWriteArrayList<>();
  private final Map<Store, TcpProxy> proxies = new ConcurrentHashMap<>();

  @BeforeAll
  static void startServer() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    PROXIES.forEach(TcpProxy::close);
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected RedisOptions.Builder options() {
    return RedisOptions.builder().endpoints(server.address()).config(config());
  }

  @Override
  protected RedisServer dataServer() {
    return server;
  }

  @Override
  protected Store openStore() {
    TcpProxy p = TcpProxy.to(server.port());
    PROXIES.add(p);
    // through the URI, as users open it; the store's timeout below the kit's operation bound
    Store s = LibKV.open("redis://" + p.address() + "?timeout=8s&connectTimeout=8s");
    proxies.put(s, p);
    return s;
  }

  @Override
  protected void cutOff(Store store) {
    proxies.get(store).cut();
  }

  @Override
  protected void reconnect(Store store) {
    proxies.get(store).restore();
  }
}
