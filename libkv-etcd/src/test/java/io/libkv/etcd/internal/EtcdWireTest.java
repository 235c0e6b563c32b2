package io.libkv.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.RequestOp;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.testkit.servers.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd's requests go out exactly as the store builds them: nothing below the store rewrites them.
 */
class EtcdWireTest {
  private static EtcdServer server;

  @BeforeAll
  static void start() {
    server = EtcdServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static EtcdStore open(String prefix) {
    return (EtcdStore) LibKV.open("etcd://" + server.endpoint() + "/" + prefix + "?timeout=5s");
  }

  @Test
  void aCompareOnAKeyEndingInTwoSlashesComparesThatKeyAlone() {
    try (Store s = open("wire-exact")) {
      EtcdStore e = (EtcdStore) s;
      ByteString below = ByteString.copyFromUtf8("wire-exact/q//a");
      e.write(() -> e.kv.put(DirectKv.put(below, ByteString.copyFromUtf8("x"), 0)), "q//a");
      // "q//" itself is absent: a single-key compare of its create revision with 0 holds
      Compare absent =
          DirectKv.created(
              ByteString.copyFromUtf8("wire-exact/q//"), Compare.CompareResult.EQUAL, 0);
      assertThat(
              e.txn(new Compare[] {absent}, new RequestOp[0], new RequestOp[0], "q//")
                  .getSucceeded())
          .as("the compare was sent as a single-key compare")
          .isTrue();
    }
  }

  @Test
  void theLockQueueCompareCoversEveryEntryOfTheQueue() {
    try (Store s = open("wire-range")) {
      EtcdStore e = (EtcdStore) s;
      ByteString queue = e.space.lockQueue("k");
      ByteString entry = queue.concat(ByteString.copyFromUtf8("someone"));
      e.write(() -> e.kv.put(DirectKv.put(entry, ByteString.EMPTY, 0)), "k");
      Compare nobodyQueued = DirectKv.everyCreated(queue, Compare.CompareResult.EQUAL, 0);
      assertThat(nobodyQueued.getRangeEnd().toByteArray())
          .isEqualTo(KeySpace.prefixEnd(queue.toByteArray()));
      assertThat(
              e.txn(new Compare[] {nobodyQueued}, new RequestOp[0], new RequestOp[0], "k")
                  .getSucceeded())
          .as("an entry is queued, so the range compare fails")
          .isFalse();
    }
  }
}
