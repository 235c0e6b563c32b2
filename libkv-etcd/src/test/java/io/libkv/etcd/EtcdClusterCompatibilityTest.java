package io.libkv.etcd;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.servers.EtcdCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on a real three-member etcd cluster. The build runs only its {@code core}
 * subset here (a surefire execution of its own, see the module's pom), the full kit running on the
 * single node. Successive clients list the members in rotated order, so that clients of one test
 * start on different members.
 */
@DisplayName("etcd store compatibility (3-member cluster, core subset)")
class EtcdClusterCompatibilityTest extends StoreCompatibilityKit {
  private static EtcdCluster cluster;
  private static final AtomicInteger ROTATION = new AtomicInteger();

  @BeforeAll
  static void startCluster() {
    cluster = EtcdCluster.start(3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected Store openStore() {
    List<String> eps = new ArrayList<>(cluster.endpoints());
    java.util.Collections.rotate(eps, ROTATION.incrementAndGet());
    return LibKV.open("etcd://" + String.join(",", eps) + "?timeout=8s&connectTimeout=10s");
  }
}
