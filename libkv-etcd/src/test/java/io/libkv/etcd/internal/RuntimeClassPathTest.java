package io.libkv.etcd.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.Store;
import io.libkv.Watch;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.testkit.servers.EtcdServer;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The store needs neither jetcd's client nor Vert.x (both stay on the tests' class path, for the
 * tests' own clients), nor any jar the pom leaves out: with them hidden, a store does every kind of
 * call it makes, and never asks for a class of the first two.
 */
class RuntimeClassPathTest {
  /**
   * The jars that stay off the store's class path: jetcd's client and Vert.x, and those the
   * module's pom leaves out of gRPC's dependencies.
   */
  private static final List<String> LEFT_OUT =
      List.of(
          "jetcd-core-",
          "jetcd-common-",
          "jetcd-api-",
          "vertx-",
          "failsafe-",
          "slf4j-",
          "grpc-context-",
          "netty-handler-proxy-",
          "netty-codec-socks-",
          "netty-codec-compression-",
          "netty-transport-native-epoll-",
          "netty-transport-classes-epoll-",
          "proto-google-common-protos-",
          "javax.annotation-api-",
          "listenablefuture-",
          "jspecify-",
          "failureaccess-",
          "jackson-");

  @Test
  void aStoreRunsWithJetcdCoreAndVertxHidden() throws Exception {
    List<String> refused = new CopyOnWriteArrayList<>();
    List<URL> urls = new ArrayList<>();
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    for (String p : cp.split(File.pathSeparator)) {
      String name = Path.of(p).getFileName().toString();
      if (LEFT_OUT.stream().noneMatch(name::startsWith)) {
        urls.add(Path.of(p).toUri().toURL());
      }
    }
    try (EtcdServer server = EtcdServer.start();
        URLClassLoader hiding =
            new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader()) {
              @Override
              protected Class<?> loadClass(String name, boolean resolve)
                  throws ClassNotFoundException {
                if (name.startsWith("io.vertx.")
                    || name.startsWith("io.etcd.jetcd.")
                        && !name.startsWith("io.etcd.jetcd.api.")) {
                  refused.add(name); // asked for, though not there
                }
                return super.loadClass(name, resolve);
              }
            }) {
      // hidden indeed (the tests' own class path has them)
      assertThatThrownBy(() -> hiding.loadClass("io.vertx.core.Vertx"))
          .isInstanceOf(ClassNotFoundException.class);
      assertThatThrownBy(() -> hiding.loadClass("io.etcd.jetcd.Client"))
          .isInstanceOf(ClassNotFoundException.class);
      Class.forName("io.vertx.core.Vertx");
      refused.clear();
      @SuppressWarnings("unchecked")
      Function<String, String> scenario =
          (Function<String, String>)
              hiding.loadClass(Scenario.class.getName()).getDeclaredConstructor().newInstance();
      assertThat(scenario.apply(server.endpoint())).isEqualTo("v 1 locked");
    }
    assertThat(refused).as("classes the store asked for").isEmpty();
  }

  /** Runs inside the hiding class loader: KV calls, a transaction, a lease, a watch, a lock. */
  public static final class Scenario implements Function<String, String> {
    @Override
    public String apply(String endpoint) {
      try (Store s = LibKV.open("etcd://" + endpoint + "/hidden?timeout=5s")) {
        try (Watch<KeyEvent> w = s.watch("k", WatchOptions.DEFAULT)) {
          s.put("k", "v".getBytes(UTF_8));
          KVPair p = s.get("k");
          s.atomicPut("k", "w".getBytes(UTF_8), p, WriteOptions.DEFAULT);
          s.put("e", "x".getBytes(UTF_8), WriteOptions.ephemeral(Duration.ofSeconds(5)));
          int listed = s.list("").size() - 1;
          Lock l = s.newLock("lock");
          s.status();
          try (LockLease held = l.lock()) {
            // the watch's first event (the initial state, then the put): the watch stream delivered
            boolean watched = w.poll(Duration.ofSeconds(5)).isPresent();
            return new String(p.value(), UTF_8)
                + " "
                + listed
                + " "
                + (held.fencingToken() > 0 ? "locked" : "unlocked")
                + (watched ? "" : " unwatched");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
      }
    }
  }
}
