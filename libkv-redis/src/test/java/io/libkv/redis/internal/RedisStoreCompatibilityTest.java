package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.RedisServer;
import io.libkv.testkit.servers.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on a real standalone Redis, in full. Each client talks to Redis through a
 * loopback proxy of its own, so that one client can be cut off while the others go on; a killed
 * session is the store's sessions removed from the server's sessions set, as their deadline
 * passing would; compacted history is the change stream trimmed to nothing.
 */
@DisplayName("Redis store compatibility (standalone)")
class RedisStoreCompatibilityTest extends StoreCompatibilityKit {
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
  protected Store openStore() {
    TcpProxy p = TcpProxy.to(server.port());
    PROXIES.add(p);
    // the store's timeout stays below the kit's operation bound (10 s)
    Store s = LibKV.open("redis://" + p.address() + "?timeout=8s&connectTimeout=8s");
    proxies.put(s, p);
    return s;
  }

  @Override
  protected Duration baseTtl() {
    return RedisStore.MIN_EPHEMERAL_TTL;
  }

  @Override
  protected StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        RedisStore r = (RedisStore) store;
        List<String> args = new ArrayList<>();
        args.add("ZREM");
        args.add(new String(r.sessionsKey(), UTF_8));
        args.addAll(r.sessionIds());
        if (args.size() > 2) {
          server.cli(args.toArray(new String[0]));
        }
      }

      @Override
      public void compactHistory(Store store) {
        server.cli("XTRIM", new String(((RedisStore) store).streamKey(), UTF_8), "MAXLEN", "0");
      }

      @Override
      public void cutOff(Store store) {
        proxies.get(store).cut();
      }

      @Override
      public void reconnect(Store store) {
        proxies.get(store).restore();
      }
    };
  }
}
