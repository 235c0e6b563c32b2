package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.CannotLockException;
import io.libkv.LibKV;
import io.libkv.PermissionDeniedException;
import io.libkv.Secret;
import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.WriteOptions;
import io.libkv.testkit.ErrorsDocCoverage;
import io.libkv.testkit.ErrorsDocCoverage.Case;
import io.libkv.testkit.servers.FreePorts;
import io.libkv.testkit.servers.ZooKeeperServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Digest authentication: nodes we create are creator-all, so another identity can neither read nor
 * change them.
 */
class DigestAuthTest {
  private static ZooKeeperServer server;

  @BeforeAll
  static void start() {
    server = ZooKeeperServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anotherIdentityCannotReadOrChangeOurNodes(@TempDir Path dir) throws Exception {
    String chroot = ZkTesting.freshChroot("auth");
    Path pw = dir.resolve("alice.pw");
    Files.writeString(pw, "s3cret\n");
    try (ZooKeeperStore alice =
            ZkTesting.open(server.connectString(), chroot, "username=alice&passwordFile=" + pw);
        ZooKeeperStore bob =
            ZkTesting.open(
                server.connectString(),
                chroot,
                "username=bob",
                StoreConfig.builder().password(Secret.of("other")).build());
        CuratorFramework anonymous = ZkTesting.raw(server.connectString())) {
      assertThat(alice.capabilities().auth()).isTrue();
      alice.put("app/secret", "v".getBytes(UTF_8));
      alice.put(
          "app/eph",
          "e".getBytes(UTF_8),
          WriteOptions.ephemeral(alice.capabilities().minEphemeralTtl()));
      assertThat(alice.get("app/secret").valueAsString()).isEqualTo("v");

      List<ACL> acl;
      try (CuratorFramework asAlice =
          CuratorFrameworkFactory.builder()
              .connectString(server.connectString())
              .retryPolicy(new RetryOneTime(100))
              .authorization("digest", "alice:s3cret".getBytes(UTF_8))
              .build()) {
        asAlice.start();
        acl = asAlice.getACL().forPath("/" + chroot + "/app/secret");
      }
      assertThat(acl)
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.getId().getScheme()).isEqualTo("digest");
                assertThat(a.getId().getId()).startsWith("alice:");
              });
      assertThatThrownBy(() -> anonymous.getData().forPath("/" + chroot + "/app/secret"))
          .isInstanceOf(KeeperException.NoAuthException.class);

      assertThatThrownBy(() -> bob.get("app/secret"))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("app/secret");
      assertThatThrownBy(() -> bob.put("app/secret", "bob".getBytes(UTF_8)))
          .isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> bob.put("app/new", "bob".getBytes(UTF_8)))
          .isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> bob.delete("app/secret"))
          .isInstanceOf(PermissionDeniedException.class);
      assertThat(alice.get("app/secret").valueAsString()).isEqualTo("v");
      assertThat(bob.toString()).doesNotContain("other");
    }
  }

  @Test
  void everyDocumentedConditionIsRaisedAsDocumentedOrCannotArise(@TempDir Path dir)
      throws Exception {
    String chroot = ZkTesting.freshChroot("errors");
    Path pw = dir.resolve("alice.pw");
    Files.writeString(pw, "s3cret\n");
    String query = "username=alice&passwordFile=" + pw;
    try (ZooKeeperStore alice = ZkTesting.open(server.connectString(), chroot, query);
        ZooKeeperStore bob =
            ZkTesting.open(
                server.connectString(),
                chroot,
                "username=bob",
                StoreConfig.builder().password(Secret.of("other")).build())) {
      alice.put("denied", "v".getBytes(UTF_8));
      alice.put("lk/below", "v".getBytes(UTF_8));
      Map<String, Case> cases =
          ErrorsDocCoverage.common(
              alice, "zk://" + server.connectString() + "/" + chroot + "?" + query);
      cases.put(
          "kv-exception",
          Case.notProvokedHere(
              "zookeeper: raised for a quota or an error ZooKeeper reports "
                  + "without a specific type; not provoked here"));
      cases.put(
          "call-not-supported",
          Case.notProvokedHere(
              "zookeeper: raised by a server without TTL nodes; the " + "test server has them"));
      cases.put(
          "cannot-lock",
          Case.provoked(
              CannotLockException.class,
              "lk",
              alice.description(),
              () -> alice.newLock("lk").lock()));
      String closed = "zk://127.0.0.1:" + FreePorts.next();
      cases.put(
          "store-unavailable",
          Case.provoked(
              StoreUnavailableException.class,
              null,
              closed,
              () -> LibKV.open(closed + "?connectTimeout=1s").close()));
      ErrorsDocCoverage.serverBackend(cases, "zookeeper", "ZooKeeperFaultTest");
      cases.put(
          "listing-changed",
          Case.notProvokedHere(
              "zookeeper: needs other clients' writes between the reads "
                  + "of every attempt (StoreCompatibilityKit's list snapshot races; StandaloneContractTest)"));
      cases.put(
          "permission-denied",
          Case.provoked(
              PermissionDeniedException.class,
              "denied",
              bob.description(),
              () -> bob.put("denied", "bob".getBytes(UTF_8))));
      ErrorsDocCoverage.check(cases);
    }
  }
}
