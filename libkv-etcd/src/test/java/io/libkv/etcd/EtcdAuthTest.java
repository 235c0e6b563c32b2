package io.libkv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.libkv.ConfigurationException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.PermissionDeniedException;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import io.libkv.testkit.ErrorsDocCoverage;
import io.libkv.testkit.ErrorsDocCoverage.Case;
import io.libkv.testkit.servers.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * etcd with authentication enabled (through jetcd's auth API): user and password, right and wrong.
 */
@Tag("slow")
class EtcdAuthTest {
  private static EtcdServer server;
  private static Path passwordFile;

  @BeforeAll
  static void start() throws Exception {
    // tokens that expire after a second idle, so that the tests meet a renewal
    server = EtcdServer.start(new EtcdServer.Options().authTokenTtl(Duration.ofSeconds(1)));
    try (Client admin = Client.builder().endpoints("http://" + server.endpoint()).build()) {
      ByteSequence root = ByteSequence.from("root", UTF_8);
      admin
          .getAuthClient()
          .userAdd(root, ByteSequence.from("s3cret", UTF_8))
          .get(5, TimeUnit.SECONDS);
      admin.getAuthClient().roleAdd(root).get(5, TimeUnit.SECONDS);
      admin.getAuthClient().userGrantRole(root, root).get(5, TimeUnit.SECONDS);
      // a user whose role may read every key and write none
      ByteSequence reader = ByteSequence.from("reader", UTF_8);
      ByteSequence all = ByteSequence.from(new byte[] {0});
      admin
          .getAuthClient()
          .userAdd(reader, ByteSequence.from("s3cret", UTF_8))
          .get(5, TimeUnit.SECONDS);
      admin.getAuthClient().roleAdd(reader).get(5, TimeUnit.SECONDS);
      admin
          .getAuthClient()
          .roleGrantPermission(reader, all, all, Permission.Type.READ)
          .get(5, TimeUnit.SECONDS);
      admin.getAuthClient().userGrantRole(reader, reader).get(5, TimeUnit.SECONDS);
      admin.getAuthClient().authEnable().get(5, TimeUnit.SECONDS);
    }
    passwordFile = Files.createTempFile("libkv-etcd-pw", ".txt");
    Files.writeString(passwordFile, "s3cret\n");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    Files.deleteIfExists(passwordFile);
  }

  private String uri(String query) {
    return "etcd://" + server.endpoint() + "/auth?connectTimeout=2s&timeout=3s" + query;
  }

  @Test
  void userAndPasswordFromAFile() throws Exception {
    try (Store s = LibKV.open(uri("&username=root&passwordFile=" + passwordFile))) {
      s.put("k", "v".getBytes(UTF_8));
      try (Watch<KeyEvent> w = s.watch("k")) {
        assertThat(w.poll(Duration.ofSeconds(5)).orElseThrow().pair().orElseThrow().valueAsString())
            .isEqualTo("v");
      }
      try (LockLease l = s.newLock("lock").lock()) {
        assertThat(l.isHeld()).isTrue();
      }
      assertThat(s.toString()).doesNotContain("s3cret");
    }
  }

  @Test
  void anExpiredAuthTokenIsRenewedAndTheCallMade() throws Exception {
    try (Store s = LibKV.open(uri("&username=root&passwordFile=" + passwordFile))) {
      s.put("t", "1".getBytes(UTF_8));
      for (int i = 2; i <= 3; i++) {
        Thread.sleep(2500); // the token expires while the store is idle
        KVPair p = s.get("t");
        assertThat(p.valueAsString()).isEqualTo(Integer.toString(i - 1));
        Thread.sleep(2500);
        s.atomicPut("t", Integer.toString(i).getBytes(UTF_8), p, WriteOptions.DEFAULT);
        Thread.sleep(2500);
        try (LockLease l = s.newLock("lock").lock()) {
          assertThat(l.isHeld()).isTrue();
        }
      }
      assertThat(s.get("t").valueAsString()).isEqualTo("3");
    }
  }

  @Test
  void aPasswordInTheConfiguration() {
    try (Store s =
        LibKV.open(
            uri("&username=root"), StoreConfig.builder().password(Secret.of("s3cret")).build())) {
      assertThat(s.exists("nothing")).isFalse();
    }
  }

  @Test
  void aWrongPasswordIsRefusedClearly() {
    assertThatThrownBy(
            () ->
                LibKV.open(
                    uri("&username=root"),
                    StoreConfig.builder().password(Secret.of("nope")).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("authentication failed")
        .hasMessageNotContaining("nope");
  }

  @Test
  void aRoleWithoutWriteRightsIsPermissionDeniedNamingKeyAndStore() {
    try (Store s = LibKV.open(uri("&username=reader&passwordFile=" + passwordFile))) {
      assertThat(s.exists("k")).isFalse();
      for (ThrowingCallable call :
          List.<ThrowingCallable>of(
              () -> s.put("k", "v".getBytes(UTF_8)),
              () -> s.atomicCreate("k", "v".getBytes(UTF_8), WriteOptions.DEFAULT),
              () -> s.delete("k"))) {
        PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class, call);
        assertThat(e).as("permission denied").isNotNull().hasMessageNotContaining("s3cret");
        assertThat(e.key()).contains("k");
        assertThat(e.store()).contains(s.description());
      }
    }
  }

  @Test
  void everyDocumentedConditionIsRaisedAsDocumentedOrCannotArise() {
    String rootUri = uri("&username=root&passwordFile=" + passwordFile);
    try (Store s = LibKV.open(rootUri);
        Store reader = LibKV.open(uri("&username=reader&passwordFile=" + passwordFile))) {
      Map<String, Case> cases = ErrorsDocCoverage.common(s, rootUri);
      cases.put(
          "kv-exception",
          Case.notProvokedHere(
              "etcd: raised for a request etcd refuses as too large or an "
                  + "error etcd reports that has no specific type; not provoked by any test yet"));
      cases.put(
          "call-not-supported",
          Case.cannotArise(
              "etcd: ephemeral and expiring keys, watches and locks are "
                  + "all supported (Capabilities)"));
      cases.put(
          "cannot-lock",
          Case.cannotArise(
              "etcd: a lock waits or is lost with its lease; nothing else " + "stops one"));
      String closed = "etcd://127.0.0.1:" + io.libkv.testkit.servers.FreePorts.next() + "/auth";
      cases.put(
          "store-unavailable",
          Case.provoked(
              io.libkv.StoreUnavailableException.class,
              null,
              closed.replace("/auth", "") + "/auth",
              () -> LibKV.open(closed + "?connectTimeout=1s&timeout=1s").close()));
      ErrorsDocCoverage.serverBackend(cases, "etcd", "EtcdFaultTest");
      cases.put(
          "listing-changed", Case.cannotArise("etcd: a list reads every page at one revision"));
      cases.put(
          "permission-denied",
          Case.provoked(
              PermissionDeniedException.class,
              "denied",
              reader.description(),
              () -> reader.put("denied", "v".getBytes(UTF_8))));
      ErrorsDocCoverage.check(cases);
    }
  }

  @Test
  void noCredentialsAreRefusedClearly() {
    assertThatThrownBy(() -> LibKV.open(uri("")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("requires authentication");
  }
}
