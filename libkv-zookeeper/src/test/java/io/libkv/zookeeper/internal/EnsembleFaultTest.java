package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import io.libkv.testkit.servers.ZooKeeperEnsemble;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Faults of a 3-node ensemble: the leader dies under a write load. */
@Tag("slow")
class EnsembleFaultTest {
  private static ZooKeeperEnsemble ensemble;

  @BeforeAll
  static void start() {
    ensemble = ZooKeeperEnsemble.start(3);
  }

  @AfterAll
  static void stop() {
    ensemble.close();
  }

  @Test
  void killingTheLeaderDuringWritesLosesNoAcknowledgedWrite() throws Exception {
    String chroot = ZkTesting.freshChroot("leader");
    String q = "sessionTimeout=10s&connectTimeout=10s&timeout=10s";
    Map<String, String> acked = new LinkedHashMap<>();
    Set<String> unknown = new TreeSet<>();
    int unavailable = 0;
    AtomicBoolean killed = new AtomicBoolean();
    try (ZooKeeperStore writer = ZkTesting.open(ensemble.connectString(), chroot, q)) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      for (int i = 0; i < 600 && System.nanoTime() < deadline; i++) {
        if (i == 150) {
          int leader = ensemble.awaitLeader(10_000);
          ensemble.kill(leader);
          killed.set(true);
        }
        String k = "w/" + i;
        String v = "v" + i;
        try {
          writer.put(k, v.getBytes(UTF_8));
          acked.put(k, v);
        } catch (UnknownOutcomeException e) {
          unknown.add(k);
        } catch (StoreUnavailableException e) {
          unavailable++;
        }
      }
    }
    assertThat(killed).isTrue();
    assertThat(acked).hasSizeGreaterThan(400);
    // a fresh client, after the ensemble elected a new leader: every acknowledged write is there
    ensemble.awaitLeader(30_000);
    try (ZooKeeperStore reader = ZkTesting.open(ensemble.connectString(), chroot, "timeout=10s")) {
      Map<String, String> found = new LinkedHashMap<>();
      for (KVPair p : reader.list("w")) {
        found.put(p.key(), p.valueAsString());
      }
      assertThat(found).containsAllEntriesOf(acked);
      // what was not acknowledged is either there or not; nothing else appeared
      assertThat(acked.keySet().size() + unknown.size() + unavailable)
          .isGreaterThanOrEqualTo(found.size());
    }
  }
}
