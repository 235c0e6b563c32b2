package io.libkv.zookeeper;

import io.libkv.testkit.servers.ZooKeeperEnsemble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract on a 3-node ZooKeeper ensemble, the stores knowing every member. */
class EnsembleContractTest extends ZooKeeperContractTest {
  private static ZooKeeperEnsemble ensemble;

  @BeforeAll
  static void startEnsemble() {
    ensemble = ZooKeeperEnsemble.start(3);
  }

  @AfterAll
  static void stopEnsemble() {
    ensemble.close();
  }

  @Override
  String connectString() {
    return ensemble.connectString();
  }
}
