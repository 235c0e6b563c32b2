package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.testkit.servers.ZooKeeperServer;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on a standalone ZooKeeper server. */
class StandaloneContractTest extends ZooKeeperContractTest {
  private static ZooKeeperServer server;

  @BeforeAll
  static void startServer() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  String connectString() {
    return server.connectString();
  }

  /**
   * A listing is proved from the newest zxid its session has seen; a retry, which sends all its
   * reads at once, proves the same way and tells a change it cannot place. Standalone: one server
   * applies another client's write before acknowledging it, so the retry's reads see it.
   */
  @Test
  void listingIsProvedFromTheZxidItsSessionSaw() throws Exception {
    store.put("d/a", "1".getBytes(UTF_8));
    store.put("d/b/c", "2".getBytes(UTF_8));
    ZooKeeper zk = store.currentZooKeeper();
    assertThat(ZxidZooKeeper.lastZxid(zk))
        .as("zxid seen after a write")
        .isGreaterThanOrEqualTo(store.get("d/b/c").lastIndex());
    Listing first = store.listings().listing(zk, "d", true, null);
    assertThat(first.torn).isFalse();
    assertThat(first.pairs.keySet()).containsExactly("d/a", "d/b/c");
    Listing retry = store.listings().listing(zk, "d", true, first);
    assertThat(retry.torn).as("a retry with nothing changed").isFalse();
    assertThat(retry.pairs).isEqualTo(first.pairs);

    // a write this session has not seen: the retry's reads show a pzxid past the zxid it starts
    // from
    another().put("d/b/e", "3".getBytes(UTF_8));
    assertThat(store.listings().listing(zk, "d", true, first).torn)
        .as("a retry over a change it cannot place")
        .isTrue();
    Listing fresh = store.listings().listing(zk, "d", true, null);
    assertThat(fresh.torn).as("a walk that starts after the change").isFalse();
    assertThat(fresh.pairs.keySet()).containsExactly("d/a", "d/b/c", "d/b/e");
    assertThat(store.list("d")).hasSize(3);
  }
}
