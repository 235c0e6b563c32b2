package io.libkv.consul.internal;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.ConsulAgent;
import io.libkv.testkit.servers.ConsulEmulator;
import io.libkv.testkit.servers.TcpProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Consul for tests, the emulator or a real dev agent, with the faults the kit needs: each store
 * talks to it through a proxy of its own (cut off = its proxy drops every connection) and its
 * sessions can be destroyed on the server.
 */
final class ConsulTestServer implements AutoCloseable {
  /** The session_ttl_min the tests run with, so TTLs are short. */
  static final Duration TTL_MIN = Duration.ofSeconds(1);

  private final ConsulEmulator emulator;
  private final ConsulAgent agent;
  private final Map<Store, TcpProxy> proxies = new ConcurrentHashMap<>();

  private ConsulTestServer(ConsulEmulator emulator, ConsulAgent agent) {
    this.emulator = emulator;
    this.agent = agent;
  }

  static ConsulTestServer emulator() {
    return new ConsulTestServer(ConsulEmulator.builder().sessionTtlMin(TTL_MIN).start(), null);
  }

  static ConsulTestServer agent() {
    return new ConsulTestServer(null, ConsulAgent.start(TTL_MIN));
  }

  int port() {
    return emulator != null ? emulator.port() : agent.port();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  /**
   * Whether {@code store} was closed: a closed store refuses a new listener at once, before any
   * request.
   */
  private static boolean isClosed(Store store) {
    try {
      store.onConnectionStateChange(state -> {}, Runnable::run).close();
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  /** A new client through a proxy of its own. */
  Store open(String path) {
    // a closed store's proxy goes, and with it the idle connections the shared HTTP client keeps
    proxies
        .entrySet()
        .removeIf(
            e -> {
              if (isClosed(e.getKey())) {
                e.getValue().close();
                return true;
              }
              return false;
            });
    TcpProxy proxy = TcpProxy.to(port());
    Store s =
        LibKV.open(
            "consul://"
                + proxy.address()
                + path
                + (path.contains("?") ? "&" : "?")
                + "sessionTtlMin="
                + TTL_MIN.toMillis()
                + "ms&timeout=5s",
            StoreConfig.DEFAULT);
    proxies.put(s, proxy);
    return s;
  }

  void restart() {
    if (emulator != null) {
      emulator.restart();
    } else {
      agent.restart();
    }
  }

  /** Destroys a session on the server, through the HTTP API (as an operator would). */
  void destroySession(String id) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://" + address() + "/v1/session/destroy/" + id))
                      .PUT(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "destroy of session " + id + ": " + r.statusCode() + " " + r.body());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        for (String id : ((ConsulStore) store).sessionIds()) {
          destroySession(id);
        }
      }

      @Override
      public void cutOff(Store store) {
        proxies.get(store).cut();
      }

      @Override
      public void reconnect(Store store) {
        proxies.get(store).restore();
      }

      @Override
      public void compactHistory(Store store) {
        // Consul keeps no history: the store's own window of changes is what resumed watches replay
        ((ConsulStore) store).watcher().forgetHistory();
      }
    };
  }

  @Override
  public void close() {
    proxies.values().forEach(TcpProxy::close);
    if (emulator != null) {
      emulator.close();
    }
    if (agent != null) {
      agent.close();
    }
  }
}
