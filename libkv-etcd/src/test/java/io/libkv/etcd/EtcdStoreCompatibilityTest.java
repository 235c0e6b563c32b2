package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.etcd.internal.EtcdStore;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.EtcdServer;
import io.libkv.testkit.servers.TcpProxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on a real single-node etcd, in full. Each client talks to etcd through a
 * loopback proxy of its own, so that one client can be cut off while the others go on; a killed
 * session is a lease revoked by another client, as etcd does when a lease expires.
 */
@DisplayName("etcd store compatibility (single node)")
class EtcdStoreCompatibilityTest extends StoreCompatibilityKit {
  private static EtcdServer server;
  private static Client admin;
  private static final List<TcpProxy> PROXIES = new CopyOnWriteArrayList<>();
  private final Map<Store, TcpProxy> proxies = new ConcurrentHashMap<>();

  @BeforeAll
  static void startServer() {
    server = EtcdServer.start();
    admin = Client.builder().endpoints("http://" + server.endpoint()).build();
  }

  @AfterAll
  static void stopServer() {
    PROXIES.forEach(TcpProxy::close);
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected Store openStore() {
    TcpProxy p = TcpProxy.to(server.clientPort());
    PROXIES.add(p);
    // the store's timeout stays below the kit's operation bound (10 s), which also scales its load
    // tests
    Store s = LibKV.open("etcd://" + p.address() + "?timeout=8s&connectTimeout=8s");
    proxies.put(s, p);
    return s;
  }

  @Override
  protected StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        for (long id : ((EtcdStore) store).leaseIds()) {
          try {
            admin.getLeaseClient().revoke(id).get(5, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("cannot revoke lease " + id, e);
          }
        }
      }

      @Override
      public void compactHistory(Store store) {
        try {
          // one more revision first (outside every prefix), so that the compaction covers the
          // latest change too
          long rev =
              admin
                  .getKVClient()
                  .put(ByteSequence.from("libkv-fault/compact", UTF_8), ByteSequence.EMPTY)
                  .get(5, TimeUnit.SECONDS)
                  .getHeader()
                  .getRevision();
          admin.getKVClient().compact(rev).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("cannot compact", e);
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
    };
  }
}
