package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checks of docs/cli.md that need several runs of the command to see the same store: put then
 * get, watch while another run writes, lock contention, export then import. They run in-process
 * ({@link InProcessSharedStoreTest}, a named memory store shared in the JVM) and black-box through
 * the launcher on a {@code boltdb:} file ({@link BoltdbStoreBlackBoxTest}).
 */
abstract class CliSharedStoreContract extends CliTestBase {
  @BeforeEach
  void storeIsShared() {
    assertThat(runner.sharesState(store))
        .as("these checks need a store shared across runs: " + store)
        .isTrue();
  }

  @Test
  void valuesRoundTripExactly() {
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    assertOk(libIn(binary, "put", "bin", "-"));
    Result get = lib("get", "bin");
    assertOk(get);
    assertThat(get.stdout).isEqualTo(binary);
    assertOk(lib("put", "text", "héllo wörld"));
    assertThat(lib("get", "text").stdout).isEqualTo(utf8("héllo wörld"));
    assertOk(lib("put", "empty", ""));
    Result empty = lib("get", "empty");
    assertOk(empty);
    assertThat(empty.stdout).isEmpty();
    assertOk(lib("put", "b64", "--base64", "AP8="));
    assertThat(lib("get", "b64").stdout).isEqualTo(new byte[] {0, (byte) 0xff});
  }

  @Test
  void getJsonExistsRm() {
    assertOk(lib("put", "/a/b/", "v1"));
    Result j = lib("get", "a/b", "--json");
    assertOk(j);
    assertThat(j.lines())
        .singleElement()
        .asString()
        .matches("\\{\"key\":\"a/b\",\"value\":\"" + b64("v1") + "\",\"lastIndex\":[1-9][0-9]*\\}");
    assertOk(lib("exists", "a/b"));
    assertThat(lib("exists", "a").exitCode).as("a directory is not a key").isEqualTo(1);
    assertOk(lib("rm", "a/b"));
    assertThat(lib("exists", "a/b").exitCode).isEqualTo(1);
    assertOk(lib("put", "t/x", "1"));
    assertOk(lib("put", "t/y/z", "2"));
    assertOk(lib("rm", "-r", "t"));
    assertError(lib("ls", "t"), 1);
  }

  @Test
  void lsSortsByUtf8BytesAndMatchesSegments() {
    // in UTF-8 byte order; keys with characters the store refuses (ZooKeeper: U+FFFD, emoji) left
    // out
    List<String> sorted =
        List.of("app/B", "app/a/b", "app/z", "app/é", "app/\uFFFD", "app/\uD83D\uDE00").stream()
            .filter(this::storeTakes)
            .toList();
    List<String> keys = new ArrayList<>(sorted);
    Collections.reverse(keys);
    keys.add("apple");
    for (String k : keys) {
      assertOk(lib("put", k, "v"));
    }
    Result r = lib("ls", "app");
    assertOk(r);
    assertThat(r.lines()).containsExactlyElementsOf(sorted);
    Result j = lib("ls", "app", "--json");
    assertOk(j);
    assertThat(j.lines()).hasSize(sorted.size()).allMatch(l -> l.startsWith("{\"key\":\"app/"));
    assertThat(lib("ls", "/").lines()).hasSize(keys.size());
  }

  @Test
  void casByIndex() {
    String i1 = lib("cas", "c", "v1", "--create").lines().get(0);
    assertError(lib("cas", "c", "again", "--create"), 1, "c");
    assertError(lib("cas", "c", "v2", "--index", Long.toString(Long.parseLong(i1) + 1000)), 1);
    Result ok = lib("cas", "c", "v2", "--index", i1);
    assertOk(ok);
    assertThat(Long.parseLong(ok.lines().get(0))).isGreaterThan(Long.parseLong(i1));
    assertThat(lib("get", "c").out()).isEqualTo("v2");
  }

  /** A TTL the store honours for expiring keys (etcd's shortest lease is longer than a second). */
  String shortTtl() {
    return "1s";
  }

  @Test
  void expiringPutLivesForItsTtl() throws Exception {
    Result r = lib("put", "exp", "v", "--ttl", shortTtl());
    assertOk(r);
    assertThat(r.stdout).isEmpty();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (lib("exists", "exp").exitCode == 0 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(lib("exists", "exp").exitCode).isEqualTo(1);
  }

  @Test
  void exportImportRoundTrip() throws Exception {
    assertOk(libIn(new byte[] {0, (byte) 0x80}, "put", "d/bin", "-"));
    assertOk(lib("put", "d/text", "hi"));
    assertOk(lib("put", "other", "x"));
    Result ex = lib("export", "d");
    assertOk(ex);
    assertThat(ex.lines()).hasSize(2);
    assertThat(ex.lines().get(0))
        .matches("\\{\"key\":\"d/bin\",\"value\":\"AIA=\",\"lastIndex\":[1-9][0-9]*\\}");
    assertOk(lib("rm", "-r", "d"));
    assertOk(libIn(utf8(ex.out()), "import"));
    assertThat(lib("get", "d/bin").stdout).isEqualTo(new byte[] {0, (byte) 0x80});
    assertThat(lib("export", "d").lines()).hasSize(2);
    assertThat(lib("export").lines()).hasSize(3);
  }

  @Test
  void watchPrintsLinesAsEventsHappen() throws Exception {
    assertOk(lib("put", "w", "first"));
    Running w = start("watch", "w");
    assertThat(w.nextLine(WAIT)).matches("current w [0-9]+ first");
    assertOk(lib("put", "w", "line\nbreak"));
    assertThat(w.nextLine(WAIT))
        .matches("put w [0-9]+ base64:" + Pattern.quote(b64("line\nbreak")));
    assertOk(lib("put", "w", "base64:x"));
    assertThat(w.nextLine(WAIT)).matches("put w [0-9]+ base64:" + Pattern.quote(b64("base64:x")));
    assertOk(lib("rm", "w"));
    assertThat(w.nextLine(WAIT)).matches("delete w [0-9]+");
    assertOk(w.stop(WAIT));
  }

  @Test
  void watchTreePrintsOneLinePerChangedKey() throws Exception {
    assertOk(lib("put", "tree/a", "1"));
    assertOk(lib("put", "tree/b/c", "2"));
    Running w = start("watch", "-r", "tree");
    assertThat(w.nextLine(WAIT)).matches("current tree/a [0-9]+ 1");
    assertThat(w.nextLine(WAIT)).matches("current tree/b/c [0-9]+ 2");
    assertOk(lib("put", "tree/d", "3"));
    assertThat(w.nextLine(WAIT)).matches("put tree/d [0-9]+ 3");
    assertOk(lib("rm", "tree/a"));
    assertThat(w.nextLine(WAIT)).matches("delete tree/a [0-9]+");
    assertOk(lib("put", "treeish", "not below tree"));
    assertOk(lib("put", "tree/e", "4"));
    assertThat(w.nextLine(WAIT)).matches("put tree/e [0-9]+ 4");
    assertOk(w.stop(WAIT));
  }

  @Test
  void lockWaitTimesOutWhileAnotherHolds() throws Exception {
    Running holder = start("lock", "L", "--value", "holder", "--", "sh", "-c", "echo in; sleep 30");
    assertThat(holder.nextLine(WAIT)).isEqualTo("in");
    assertThat(lib("get", "L").out()).isEqualTo("holder");
    assertError(lib("lock", "L", "--wait", "300ms", "--", "true"), 1, "L");
    holder.stop(WAIT);
    assertThat(lib("exists", "L").exitCode).as("released").isEqualTo(1);
    assertOk(lib("lock", "L", "--wait", "5s", "--", "true"));
  }
}
