package io.libkv.zookeeper.internal;

import io.libkv.testkit.servers.ZooKeeperEnsemble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;

/**
 * The conformance kit on a 3-node ensemble, in full: the kit's clients are spread over the members
 * (client n talks to member n mod 3), so one client writes through the leader while another reads
 * from a follower.
 */
@DisplayName("zookeeper store compatibility (3-node ensemble)")
@Tag("slow")
class ZooKeeperEnsembleCompatibilityTest extends ZooKeeperKit {
  private static ZooKeeperEnsemble ensemble;
  private static String chroot;

  @BeforeAll
  static void startEnsemble() {
    ensemble = ZooKeeperEnsemble.start(3);
    chroot = ZkTesting.freshChroot("kit-ensemble");
  }

  @AfterAll
  static void stopEnsemble() {
    closeProxies();
    ensemble.close();
  }

  @Override
  protected int serverPort(int n) {
    String endpoint = ensemble.endpoint(n % ensemble.size());
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  @Override
  protected String chroot() {
    return chroot;
  }

  /** A follower applies a commit shortly after the leader acknowledges it to the writer. */
  @Override
  protected boolean readsMayLagOtherClients() {
    return true;
  }
}
