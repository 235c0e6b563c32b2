package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.libkv.KVException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.UnknownOutcomeException;
import io.libkv.testkit.servers.EtcdCluster;
import io.libkv.testkit.servers.EtcdServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The cluster leader killed during a write load: the client fails over, no acknowledged write is lost. */
@Tag("slow")
class EtcdClusterFaultTest {
  private static EtcdCluster cluster;

  @BeforeAll
  static void start() {
    cluster = EtcdCluster.start(3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** The member that leads now, asked of each member in turn. */
  static EtcdServer leader() throws Exception {
    for (EtcdServer m : cluster.members()) {
      if (!m.isRunning()) {
        continue;
      }
      try (Client c = Client.builder().endpoints("http://" + m.endpoint()).build()) {
        var s = c.getMaintenanceClient().statusMember(m.endpoint()).get(5, TimeUnit.SECONDS);
        if (s.getLeader() == s.getHeader().getMemberId()) {
          return m;
        }
      }
    }
    throw new IllegalStateException("no leader");
  }

  @Test
  void killingTheLeaderDuringWritesLosesNoAcknowledgedWrite() throws Exception {
    List<String> acknowledged = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    int failedKnown = 0;
    EtcdServer killed;
    try (Store s = LibKV.open("etcd://" + cluster.endpointList() + "/leaderkill?timeout=5s&connectTimeout=10s")) {
      AtomicBoolean killedYet = new AtomicBoolean();
      killed = leader();
      long until = 0;
      int afterKill = 0;
      for (int i = 0; afterKill < 100; i++) {
        String k = "k" + i;
        try {
          s.put(k, ("v" + i).getBytes(UTF_8));
          acknowledged.add(k);
          if (killedYet.get()) {
            afterKill++;
          }
        } catch (UnknownOutcomeException e) {
          unknown.add(k);
        } catch (KVException e) {
          failedKnown++;
        }
        if (i == 100) {
          killed.kill();
          killedYet.set(true);
          until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        }
        if (until != 0 && System.nanoTime() > until) {
          break;
        }
      }
      assertThat(afterKill).as("writes acknowledged after the leader died (failover)").isEqualTo(100);
      System.out.printf("leader %s killed: %d writes acknowledged, %d unknown outcomes, %d known failures%n",
          killed.name(), acknowledged.size(), unknown.size(), failedKnown);
    }
    killed.restart();
    try (Store check = LibKV.open("etcd://" + cluster.endpointList() + "/leaderkill?timeout=5s")) {
      for (String k : acknowledged) {
        assertThat(check.exists(k)).as("acknowledged write %s", k).isTrue();
      }
      // a write that failed before it was sent never applied
      assertThat(acknowledged.size() + unknown.size() + failedKnown).isGreaterThanOrEqualTo(200);
    }
  }
}
