package io.libkv.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.ZooKeeperEnsemble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
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
   * the write it compares against: a follower may get the compare before it has applied that write,
   * and must not call the key modified (or missing) for it.
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

  /**
   * The leader sends a commit to the followers before it applies it, and answers a sync at once: a
   * compare on the leader right after a follower's client saw its write acknowledged may read the
   * node one write behind. Busy threads make that window wide enough to hit.
   */
  @Test
  void compareAndSetOnTheLeaderRightAfterAFollowersWrite() throws Exception {
    int leader = ensemble.awaitLeader(10_000);
    ZooKeeperStore onLeader = track(ZkTesting.open(ensemble.endpoint(leader), chroot, QUERY));
    ZooKeeperStore onFollower =
        track(ZkTesting.open(ensemble.endpoint((leader + 1) % ensemble.size()), chroot, QUERY));
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> busy = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread spinner =
          new Thread(
              () -> {
                while (!stop.get()) {
                  Thread.onSpinWait();
                }
              });
      spinner.setDaemon(true);
      spinner.start();
      busy.add(spinner);
    }
    try {
      KVPair p = onFollower.atomicCreate("lead", b("0"), WriteOptions.DEFAULT);
      for (int i = 1; i <= 1500; i++) {
        p = onFollower.atomicPut("lead", b("f" + i), p, WriteOptions.DEFAULT);
        p = onLeader.atomicPut("lead", b("l" + i), p, WriteOptions.DEFAULT);
      }
      onFollower.delete("lead");
      // a key really gone is decided at once, not after the catch-up wait
      KVPair gone = p;
      long started = System.nanoTime();
      assertThatThrownBy(() -> onLeader.atomicPut("lead", b("x"), gone, WriteOptions.DEFAULT))
          .isInstanceOf(KeyNotFoundException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    } finally {
      stop.set(true);
      for (Thread t : busy) {
        t.join();
      }
    }
  }
}
