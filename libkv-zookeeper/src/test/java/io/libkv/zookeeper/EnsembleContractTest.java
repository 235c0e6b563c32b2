package io.libkv.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.ZooKeeperEnsemble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

  /**
   * Each store on a member of its own, each compare-and-set made by another member's client than
   * the write it compares against: a follower may get the compare before it has applied that
   * write, and must not call the key modified (or missing) for it.
   */
  @Test
  void compareAndSetOnAMemberThatHasNotAppliedTheWriteYet() {
    ZooKeeperStore[] members = new ZooKeeperStore[ensemble.size()];
    for (int i = 0; i < members.length; i++) {
      members[i] = track(ZkTesting.open(ensemble.endpoint(i), chroot, QUERY));
    }
    KVPair p = members[0].atomicCreate("lag", b("0"), WriteOptions.DEFAULT);
    for (int i = 1; i <= 300; i++) {
      ZooKeeperStore next = members[i % members.length];
      p = next.atomicPut("lag", b(Integer.toString(i)), p, WriteOptions.DEFAULT);
    }
    assertThat(store.get("lag").valueAsString()).isEqualTo("300");
    members[1].atomicDelete("lag", members[0].atomicPut("lag", b("last"), p, WriteOptions.DEFAULT));
    assertThat(members[2].atomicCreate("lag", b("again"), WriteOptions.DEFAULT).valueAsString())
        .isEqualTo("again");
  }
}
