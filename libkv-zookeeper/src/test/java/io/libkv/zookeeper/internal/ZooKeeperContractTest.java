package io.libkv.zookeeper.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.CallNotSupportedException;
import io.libkv.Capabilities;
import io.libkv.EventType;
import io.libkv.InvalidKeyException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.PreviousNotSpecifiedException;
import io.libkv.TreeEvent;
import io.libkv.TtlTooShortException;
import io.libkv.ValueTooLargeException;
import io.libkv.Watch;
import io.libkv.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The contract (docs/compatibility.md) on real ZooKeeper servers. Each test works below a chroot of
 * its own; subclasses supply the server (standalone, ensemble).
 */
abstract class ZooKeeperContractTest {
  /** Session timeout of the test stores: short, so ephemeral TTLs and expiries are quick. */
  static final String QUERY = "sessionTimeout=1s&connectTimeout=5s&timeout=5s";

  protected ZooKeeperStore store;
  protected String chroot;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  abstract String connectString();

  @BeforeEach
  void openStore(TestInfo info) {
    chroot = ZkTesting.freshChroot(info.getTestMethod().map(m -> m.getName()).orElse("x"));
    store = track(ZkTesting.open(connectString(), chroot, QUERY));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    assertThat(store.openWatches()).as("watches left open").isZero();
  }

  <T extends AutoCloseable> T track(T c) {
    closeables.add(c);
    return c;
  }

  ZooKeeperStore another() {
    return track(ZkTesting.open(connectString(), chroot, QUERY));
  }

  /**
   * {@code s} once its server has applied every earlier commit: for a read of another client's
   * write, which an ensemble's member, the leader included, may not have applied yet (stores there
   * pick a member at random).
   */
  static ZooKeeperStore synced(ZooKeeperStore s) throws KeeperException, InterruptedException {
    CompareAndSet.applyEarlierCommits(s.currentZooKeeper());
    return s;
  }

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static <E> E next(Watch<E> w) throws InterruptedException {
    Optional<E> e = w.poll(Duration.ofSeconds(10));
    assertThat(e).as("an event within 10 s").isPresent();
    return e.get();
  }

  // ---- keys and values

  @Tag("core")
  @Test
  void putGetDeleteExistsWithGrowingIndexes() {
    store.put("a/b", b("one"));
    KVPair p1 = store.get("/a/b/");
    assertThat(p1.key()).isEqualTo("a/b");
    assertThat(p1.valueAsString()).isEqualTo("one");
    assertThat(p1.lastIndex()).isPositive();
    store.put("a/b", b("two"));
    KVPair p2 = store.get("a/b");
    assertThat(p2.lastIndex()).isGreaterThan(p1.lastIndex());
    assertThat(store.exists("a/b")).isTrue();
    store.delete("a/b");
    assertThat(store.exists("a/b")).isFalse();
    assertThatThrownBy(() -> store.get("a/b"))
        .isInstanceOf(KeyNotFoundException.class)
        .hasMessageContaining("a/b");
    store.delete("a/b"); // absent: no error
    store.put("a/b", b("three"));
    assertThat(store.get("a/b").lastIndex()).isGreaterThan(p2.lastIndex());
  }

  @Test
  void aPutOfANewKeyIsOneTransactionAndAnOverwriteOfAKnownKeyOne() {
    store.put("one/seed", b("x"));
    // zxids count the server's transactions; the server's own (sessions, the TTL sweep) may slip
    // in between, so of a few tries one must show a single transaction per put
    boolean newKeyIsOne = false;
    boolean overwriteIsOne = false;
    long last = store.get("one/seed").lastIndex(); // the newest transaction of the test
    for (int i = 0; i < 10 && !(newKeyIsOne && overwriteIsOne); i++) {
      store.put("one/seed", b("y" + i));
      long overwrite = store.get("one/seed").lastIndex();
      store.put("one/k" + i, b("z"));
      long created = store.get("one/k" + i).lastIndex();
      // a key this store wrote or read is set in place; a refused create would be a transaction
      overwriteIsOne |= overwrite == last + 1;
      newKeyIsOne |= created == overwrite + 1;
      last = created;
    }
    assertThat(newKeyIsOne).as("a new key in an existing directory: one create").isTrue();
    assertThat(overwriteIsOne).as("an overwrite of a key the store knows: one setData").isTrue();
  }

  @Test
  void aPutOverAKnownKeyThatAnotherClientChangedStillEndsAsAPlainKey() throws Exception {
    ZooKeeperStore other = another();
    // gone: the setData tried first finds no node, and the put creates it
    store.put("k", b("1"));
    other.delete("k");
    store.put("k", b("2"));
    assertThat(synced(other).get("k").valueAsString()).isEqualTo("2");
    // an implicit parent now: the put makes it a key again and keeps what lies below
    other.delete("k");
    other.put("k/below", b("x"));
    store.put("k", b("3"));
    assertThat(synced(other).get("k").valueAsString()).isEqualTo("3");
    assertThat(other.list("k")).extracting(KVPair::key).containsExactly("k/below");
    // another session's ephemeral node: replaced by a plain key that outlives that session
    store.put("e", b("1"));
    other.delete("e");
    other.put("e", b("eph"), WriteOptions.ephemeral(Duration.ofSeconds(1)));
    store.put("e", b("plain"));
    other.close();
    assertThat(synced(another()).get("e").valueAsString()).isEqualTo("plain");
    try (CuratorFramework raw = ZkTesting.raw(connectString())) {
      assertThat(raw.checkExists().forPath("/" + chroot + "/e").getEphemeralOwner())
          .as("the node's ephemeral owner")
          .isZero();
    }
  }

  @Tag("core")
  @Test
  void implicitParentsAreNotKeysAndNullIsKeptApartFromEmpty() throws Exception {
    store.put("x/y/z", b("deep"));
    store.put("empty", new byte[0]);
    assertThat(store.exists("x")).isFalse();
    assertThat(store.exists("x/y")).isFalse();
    assertThatThrownBy(() -> store.get("x")).isInstanceOf(KeyNotFoundException.class);
    assertThat(store.exists("empty")).isTrue();
    assertThat(store.get("empty").valueLength()).isZero();
    try (CuratorFramework raw = ZkTesting.raw(connectString())) {
      // what ZooKeeper itself keeps: null data for the implicit parent, an empty array for the
      // empty value
      assertThat(raw.getData().forPath("/" + chroot + "/x")).isNull();
      assertThat(raw.getData().forPath("/" + chroot + "/empty")).isNotNull().isEmpty();
    }
    assertThat(store.list("x")).extracting(KVPair::key).containsExactly("x/y/z");
    // create-only treats the implicit parent as absent, and the parent becomes a key
    KVPair made = store.atomicCreate("x", b("now a key"), WriteOptions.DEFAULT);
    assertThat(store.get("x")).isEqualTo(made);
    assertThat(store.list("x")).extracting(KVPair::key).containsExactly("x/y/z");
    // deleting a key with keys below leaves them, and it is no key any more
    store.delete("x");
    assertThat(store.exists("x")).isFalse();
    assertThat(store.get("x/y/z").valueAsString()).isEqualTo("deep");
  }

  @Tag("core")
  @Test
  void listIsRecursiveSortedAndOnSegmentBoundaries() {
    store.put("app/b", b("1"));
    store.put("app/a/deep/er", b("2"));
    store.put("app", b("dir itself"));
    store.put("apple", b("not below"));
    store.put("app/\u00e9", b("3"));
    store.put("app/z", b("4"));
    assertThat(store.list("app"))
        .extracting(KVPair::key)
        .containsExactly("app/a/deep/er", "app/b", "app/z", "app/\u00e9");
    assertThat(store.list("/"))
        .extracting(KVPair::key)
        .containsExactly("app", "app/a/deep/er", "app/b", "app/z", "app/\u00e9", "apple");
    assertThatThrownBy(() -> store.list("nothing")).isInstanceOf(KeyNotFoundException.class);
    store.put("leaf", b("x"));
    assertThat(store.list("leaf")).isEmpty();
  }

  @Test
  void aListOfLargeValuesIsReadInBatchesThatFitTheClientsPacketLimit() throws Exception {
    // a store whose value limit is 2 MB: a list batch holds at most 16 nodes (32 MB at the limit),
    // so 20 values of about 1 MB take two batches; sessions long enough for a slow disk's fsyncs
    ZooKeeperStore s =
        track(
            ZkTesting.open(
                connectString(),
                chroot,
                "sessionTimeout=20s&connectTimeout=5s&timeout=20s&maxValueBytes=2000000"));
    byte[] big = new byte[(int) ZooKeeperStore.DEFAULT_MAX_VALUE_BYTES - 1024];
    for (int i = 0; i < 20; i++) {
      big[0] = (byte) i;
      s.put(String.format("big/%02d/v", i), big);
    }
    s.put("big/small", b("s"));
    // the writes are done: from here only the list talks to the server
    List<io.libkv.ConnectionState> states = new java.util.concurrent.CopyOnWriteArrayList<>();
    track(s.onConnectionStateChange(states::add, Runnable::run));
    List<KVPair> all = s.list("big");
    assertThat(states).as("an answer too large would have dropped the connection").isEmpty();
    assertThat(all).hasSize(21);
    for (int i = 0; i < 20; i++) {
      assertThat(all.get(i).key()).isEqualTo(String.format("big/%02d/v", i));
      assertThat(all.get(i).value()).hasSize(big.length);
      assertThat(all.get(i).value()[0]).isEqualTo((byte) i);
    }
    assertThat(all.get(20).valueAsString()).isEqualTo("s");
    s.deleteTree("big");
  }

  @Test
  void aDeepTreeListsAndDeletes() {
    StringBuilder k = new StringBuilder("deep");
    for (int i = 0; i < 40; i++) {
      k.append("/").append(i);
      if (i % 5 == 0) {
        store.put(k.toString(), b("v" + i));
      }
    }
    assertThat(store.list("deep")).hasSize(8);
    store.deleteTree("deep");
    assertThatThrownBy(() -> store.list("deep")).isInstanceOf(KeyNotFoundException.class);
  }

  @Tag("core")
  @Test
  void deleteTreeRemovesTheDirectoryAndAllBelowInOneEvent() throws Exception {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      m.put("tree/" + (i % 4) + "/k" + i, b("v" + i));
    }
    store.putAll(m);
    store.put("tree", b("itself"));
    store.put("treetop", b("stays"));
    try (Watch<TreeEvent> w = store.watchTree("/")) {
      assertThat(next(w).pairs()).hasSize(22);
      store.deleteTree("tree");
      TreeEvent e = next(w);
      // one multi-op: the watch may see the deletions in one or a few events, ending with only
      // treetop
      while (e.pairs().size() != 1) {
        e = next(w);
      }
      assertThat(e.pairs()).extracting(KVPair::key).containsExactly("treetop");
    }
    assertThat(store.exists("tree")).isFalse();
    store.deleteTree("tree"); // absent: fine
    assertThatThrownBy(() -> store.deleteTree("/")).isInstanceOf(InvalidKeyException.class);
  }

  // ---- compare-and-set

  @Tag("core")
  @Test
  void atomicPutAndDeleteCompareTheIndex() {
    KVPair p = store.atomicCreate("c", b("1"), WriteOptions.DEFAULT);
    assertThatThrownBy(() -> store.atomicCreate("c", b("x"), WriteOptions.DEFAULT))
        .isInstanceOf(KeyExistsException.class)
        .hasMessageContaining("\"c\"");
    KVPair p2 = store.atomicPut("c", b("2"), p, WriteOptions.DEFAULT);
    assertThat(p2.lastIndex()).isGreaterThan(p.lastIndex());
    assertThat(store.get("c")).isEqualTo(p2);
    assertThatThrownBy(() -> store.atomicPut("c", b("3"), p, WriteOptions.DEFAULT))
        .isInstanceOf(KeyModifiedException.class);
    assertThatThrownBy(() -> store.atomicDelete("c", p)).isInstanceOf(KeyModifiedException.class);
    assertThatThrownBy(() -> store.atomicDelete("c", null))
        .isInstanceOf(PreviousNotSpecifiedException.class);
    store.atomicDelete("c", p2);
    assertThat(store.exists("c")).isFalse();
    assertThatThrownBy(() -> store.atomicPut("c", b("4"), p2, WriteOptions.DEFAULT))
        .isInstanceOf(KeyNotFoundException.class);
    assertThatThrownBy(() -> store.atomicDelete("c", p2)).isInstanceOf(KeyNotFoundException.class);
  }

  @Tag("core")
  @Test
  void concurrentCasIncrementsAreLinearizable() throws Exception {
    store.put("counter", b("0"));
    int clients = 4;
    AtomicInteger successes = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        ZooKeeperStore s = another();
        fs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 25; i++) {
                    KVPair cur = s.get("counter");
                    int n = Integer.parseInt(cur.valueAsString());
                    try {
                      s.atomicPut("counter", b(Integer.toString(n + 1)), cur, WriteOptions.DEFAULT);
                      successes.incrementAndGet();
                    } catch (KeyModifiedException e) {
                      // lost the race
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(Integer.parseInt(synced(store).get("counter").valueAsString()))
        .isEqualTo(successes.get())
        .isPositive();
  }

  @Test
  void putAllIsAtomicAndCreatesParents() {
    store.put("batch/old", b("x"));
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("batch/old", b("new"));
    m.put("batch/n/1", b("1"));
    m.put("batch/n/2", b("2"));
    store.putAll(m);
    assertThat(store.list("batch"))
        .extracting(KVPair::valueAsString)
        .containsExactly("1", "2", "new");
    assertThat(store.capabilities().atomicBatch()).isTrue();
  }

  // ---- TTLs

  @Tag("core")
  @Test
  void ephemeralKeysLiveOnTheSessionAndNeedAtLeastItsTimeout() throws Exception {
    Capabilities caps = store.capabilities();
    assertThat(caps.ephemeralTtl()).isTrue();
    // the negotiated session timeout (1 s asked; the server grants it within its bounds)
    assertThat(caps.minEphemeralTtl()).isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> store.put("e", b("x"), WriteOptions.ephemeral(Duration.ofMillis(999))))
        .isInstanceOf(TtlTooShortException.class);
    ZooKeeperStore other = another();
    other.put("eph/k", b("x"), WriteOptions.ephemeral(Duration.ofSeconds(1)));
    other.put("plain-over-eph", b("x"), WriteOptions.ephemeral(Duration.ofSeconds(1)));
    other.put("plain-over-eph", b("plain now"));
    assertThat(synced(store).get("eph/k").valueAsString()).isEqualTo("x");
    assertThatThrownBy(() -> other.put("eph/k/child", b("y")))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("eph/k/child")
        .hasMessageContaining("ephemeral");
    other.close();
    // closing the session removes its ephemeral keys at once
    assertThat(synced(store).exists("eph/k")).isFalse();
    assertThat(store.get("plain-over-eph").valueAsString()).isEqualTo("plain now");
  }

  @Test
  void anEphemeralKeyCannotGoOverKeysBelowIt() {
    store.put("dir/child", b("x"));
    assertThatThrownBy(
            () -> store.put("dir", b("e"), WriteOptions.ephemeral(Duration.ofSeconds(5))))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("\"dir\"");
    assertThat(store.exists("dir")).isFalse();
  }

  @Test
  void atomicPutHonoursTtl() throws Exception {
    KVPair p = store.atomicCreate("t", b("1"), WriteOptions.ephemeral(Duration.ofSeconds(2)));
    KVPair p2 = store.atomicPut("t", b("2"), p, WriteOptions.DEFAULT);
    ZooKeeperStore other = another();
    KVPair e = other.atomicPut("t", b("3"), p2, WriteOptions.ephemeral(Duration.ofSeconds(2)));
    assertThat(synced(store).get("t")).isEqualTo(e);
    other.close();
    assertThat(synced(store).exists("t")).isFalse();
  }

  @Test
  void expiringKeysAreTtlNodesSweptByTheServer() {
    Capabilities caps = store.capabilities();
    assertThat(caps.expiringTtl()).isTrue();
    assertThat(caps.expiringTtlGranularity())
        .isEqualTo(Duration.ofSeconds(60)); // the URI's default: not told
    ZooKeeperStore s =
        track(ZkTesting.open(connectString(), chroot, QUERY + "&containerCheckInterval=500ms"));
    assertThat(s.capabilities().expiringTtlGranularity()).isEqualTo(Duration.ofMillis(500));
    s.put("exp", b("x"), WriteOptions.expiring(Duration.ofMillis(300)));
    // long enough that the sweep cannot have picked it as expired: ZooKeeper's sweep deletes a
    // candidate by path, so it could take the plain node that replaced it (see compatibility.md)
    s.put("exp-made-plain", b("x"), WriteOptions.expiring(Duration.ofSeconds(30)));
    s.put("exp-made-plain", b("plain"));
    s.close();
    // the session floor does not apply, and the writer's end does not matter
    await().atMost(Duration.ofSeconds(10)).until(() -> !store.exists("exp"));
    assertThat(store.get("exp-made-plain").valueAsString()).isEqualTo("plain");
  }

  // ---- limits and key rules

  @Tag("core")
  @Test
  void valuesOverTheLimitFailBeforeSending() {
    long limit = store.capabilities().maxValueBytes();
    assertThat(limit).isEqualTo(ZooKeeperStore.DEFAULT_MAX_VALUE_BYTES);
    byte[] big = new byte[(int) limit];
    big[big.length - 1] = 7;
    store.put("big", big);
    assertThat(store.get("big").value()).isEqualTo(big);
    assertThatThrownBy(() -> store.put("bigger", new byte[(int) limit + 1]))
        .isInstanceOf(ValueTooLargeException.class)
        .hasMessageContaining("bigger");
    assertThat(store.exists("bigger")).isFalse();
    ZooKeeperStore small =
        track(ZkTesting.open(connectString(), chroot, QUERY + "&maxValueBytes=10"));
    assertThatThrownBy(() -> small.put("k", new byte[11]))
        .isInstanceOf(ValueTooLargeException.class);
  }

  @Tag("core")
  @Test
  void charactersZooKeeperRefusesAreDeclaredAndRejected() {
    Capabilities caps = store.capabilities();
    for (int cp : new int[] {0x01, 0x7f, 0xd800, 0xe000, 0xf8ff, 0xfff0, 0xffff, 0x1f600}) {
      assertThat(caps.allowsKeyCodePoint(cp)).as("U+%04X", cp).isFalse();
      String k = "k" + new String(Character.toChars(cp));
      assertThatThrownBy(() -> store.put(k, b("x"))).isInstanceOf(InvalidKeyException.class);
    }
    store.put("caf\u00e9/\u4e2d\u6587/\ufeff", b("ok"));
    assertThat(store.get("caf\u00e9/\u4e2d\u6587/\ufeff").valueAsString()).isEqualTo("ok");
  }

  @Test
  void withoutChrootZooKeepersOwnTreeIsReservedAndNeverListed() {
    ZooKeeperStore bare = track(ZkTesting.open(connectString(), "", QUERY));
    assertThatThrownBy(() -> bare.put("zookeeper/x", b("x")))
        .isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> bare.get("zookeeper")).isInstanceOf(InvalidKeyException.class);
    bare.put(chroot + "-bare/k", b("x"));
    assertThat(bare.list(""))
        .extracting(KVPair::key)
        .noneMatch(k -> k.startsWith("zookeeper") || k.startsWith("_libkv"));
    bare.deleteTree(chroot + "-bare");
    // with a chroot, "zookeeper" is an ordinary key
    store.put("zookeeper", b("fine"));
    assertThat(store.get("zookeeper").valueAsString()).isEqualTo("fine");
  }

  // ---- watches

  @Tag("core")
  @Test
  void keyWatchSeesCurrentStateThenEachChangeTyped() throws Exception {
    try (Watch<KeyEvent> w = store.watch("w/k")) {
      KeyEvent first = next(w);
      assertThat(first.type()).isEqualTo(EventType.ABSENT);
      ZooKeeperStore other = another();
      other.put("w/k", b("1"));
      KeyEvent put = next(w);
      assertThat(put.type()).isEqualTo(EventType.PUT);
      assertThat(put.pair().orElseThrow().valueAsString()).isEqualTo("1");
      assertThat(put.index()).isGreaterThan(first.index());
      other.put("w/k/child", b("c")); // a change below: not an event of the key
      other.put("w/k", b("2"));
      KeyEvent put2 = next(w);
      assertThat(put2.pair().orElseThrow().valueAsString()).isEqualTo("2");
      other.delete("w/k"); // has a child: becomes an implicit parent
      KeyEvent del = next(w);
      assertThat(del.type()).isEqualTo(EventType.DELETE);
      assertThat(del.index()).isGreaterThan(put2.index());
      other.put("w/k", b("3"));
      assertThat(next(w).pair().orElseThrow().valueAsString()).isEqualTo("3");
      other.deleteTree("w");
      assertThat(next(w).type()).isEqualTo(EventType.DELETE);
      assertThat(w.poll(Duration.ofMillis(300))).isEmpty();
    }
  }

  @Tag("core")
  @Test
  void treeWatchSeesDeepChangesAndTypedDeletes() throws Exception {
    store.put("tw/a", b("a"));
    try (Watch<TreeEvent> w = store.watchTree("tw")) {
      TreeEvent first = next(w);
      assertThat(first.type()).isEqualTo(EventType.CURRENT);
      assertThat(first.pairs()).extracting(KVPair::key).containsExactly("tw/a");
      store.put("tw/x/y/z", b("deep"));
      TreeEvent e = next(w);
      assertThat(e.type()).isEqualTo(EventType.PUT);
      assertThat(e.pairs()).extracting(KVPair::key).containsExactly("tw/a", "tw/x/y/z");
      store.put("twin", b("not below"));
      store.put("tw/a", b("a2"));
      e = next(w);
      assertThat(e.changes()).extracting(TreeEvent.Change::key).containsExactly("tw/a");
      store.delete("tw/x/y/z");
      e = next(w);
      assertThat(e.type()).isEqualTo(EventType.DELETE);
      assertThat(e.changes()).extracting(TreeEvent.Change::type).containsExactly(EventType.DELETE);
      assertThat(e.pairs()).extracting(KVPair::key).containsExactly("tw/a");
    }
  }

  @Test
  void aTreeWatchOfAMissingDirectoryStartsEmpty() throws Exception {
    try (Watch<TreeEvent> w = store.watchTree("later")) {
      TreeEvent first = next(w);
      assertThat(first.type()).isEqualTo(EventType.ABSENT);
      assertThat(first.pairs()).isEmpty();
      store.put("later/k", b("v"));
      assertThat(next(w).pairs()).extracting(KVPair::key).containsExactly("later/k");
    }
  }

  @Test
  void manyWatchesShareOneServerWatchAndNoChangeIsMissedBetweenReadAndWatch() throws Exception {
    ZooKeeperStore writer = another();
    int n = 20;
    List<Watch<KeyEvent>> ws = new ArrayList<>();
    Thread t =
        new Thread(
            () -> {
              for (int i = 1; i <= 50; i++) {
                writer.put("race", b(Integer.toString(i)));
              }
            });
    t.start();
    for (int i = 0; i < n; i++) {
      ws.add(store.watch("race"));
    }
    t.join();
    for (Watch<KeyEvent> w : ws) {
      KeyEvent last = next(w);
      while (!last.pair().map(p -> p.valueAsString().equals("50")).orElse(false)) {
        last = next(w);
      }
      w.close();
    }
  }

  @Test
  void resumingFromAnIndexReReadsTheState() throws Exception {
    store.put("r", b("1"));
    KVPair p = store.get("r");
    store.put("r", b("2"));
    try (Watch<KeyEvent> w = store.watch("r", io.libkv.WatchOptions.fromIndex(p.lastIndex()))) {
      // no history: what happened since comes as the latest state
      KeyEvent e = next(w);
      assertThat(e.type()).isEqualTo(EventType.PUT);
      assertThat(e.pair().orElseThrow().valueAsString()).isEqualTo("2");
    }
  }

  // ---- locks

  @Tag("core")
  @Test
  void locksExcludeHoldTheValueAndGiveGrowingFencingTokens() throws Exception {
    ZooKeeperStore other = another();
    LockOptions opts = LockOptions.builder().value("holder-1").ttl(Duration.ofSeconds(1)).build();
    Lock l1 = store.newLock("locks/job", opts);
    Lock l2 =
        other.newLock(
            "locks/job",
            LockOptions.builder().value("holder-2").ttl(Duration.ofSeconds(1)).build());
    LockLease a = l1.lock();
    assertThat(store.get("locks/job").valueAsString()).isEqualTo("holder-1");
    assertThat(l2.tryLock(Duration.ofMillis(300))).isEmpty();
    assertThatThrownBy(l1::lock).isInstanceOf(IllegalStateException.class);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<LockLease> waiting = pool.submit(() -> l2.lock());
      Thread.sleep(200);
      assertThat(waiting).isNotDone();
      a.close();
      LockLease b = waiting.get(10, TimeUnit.SECONDS);
      assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
      assertThat(synced(store).get("locks/job").valueAsString()).isEqualTo("holder-2");
      b.close();
      assertThat(synced(store).exists("locks/job")).isFalse();
      LockLease c = l1.lock();
      assertThat(c.fencingToken()).isGreaterThan(b.fencingToken());
      c.close();
    } finally {
      pool.shutdownNow();
    }
    // the queues are under _libkv/: never listed
    store.put("locks/other", b("x"));
    assertThat(store.list("")).extracting(KVPair::key).containsExactly("locks/other");
  }

  @Test
  void aLockBelowAnotherLocksKeyIsIndependent() throws Exception {
    Lock a = store.newLock("l", LockOptions.builder().ttl(Duration.ofSeconds(1)).build());
    Lock b = another().newLock("l/sub", LockOptions.builder().ttl(Duration.ofSeconds(1)).build());
    try (LockLease la = a.lock()) {
      try (LockLease lb = b.tryLock(Duration.ofSeconds(5)).orElseThrow()) {
        assertThat(lb.isHeld()).isTrue();
      } catch (io.libkv.CannotLockException e) {
        // ZooKeeper: an ephemeral node (the held key "l") cannot have children, so "l/sub" cannot
        // be locked
        assertThat(e).hasMessageContaining("l/sub");
      }
      assertThat(la.isHeld()).isTrue();
    }
  }

  @Test
  void closingTheStoreReleasesItsLocks() throws Exception {
    ZooKeeperStore other = another();
    LockLease held =
        other.newLock("cl", LockOptions.builder().ttl(Duration.ofSeconds(1)).build()).lock();
    other.close();
    assertThat(held.lost()).isDone();
    try (LockLease mine =
        store
            .newLock("cl", LockOptions.builder().ttl(Duration.ofSeconds(1)).build())
            .tryLock(Duration.ofSeconds(5))
            .orElseThrow()) {
      assertThat(mine.fencingToken()).isGreaterThan(held.fencingToken());
    }
  }

  @Test
  void aLockTtlBelowTheSessionTimeoutIsRefused() {
    assertThatThrownBy(
            () -> store.newLock("x", LockOptions.builder().ttl(Duration.ofMillis(500)).build()))
        .isInstanceOf(TtlTooShortException.class);
  }

  @Test
  void expiringKeysNeedTheServersTtlNodes() {
    // documented: a server without extended types reports expiringTtl() false and refuses the call
    if (!store.capabilities().expiringTtl()) {
      assertThatThrownBy(() -> store.put("x", b("x"), WriteOptions.expiring(Duration.ofSeconds(1))))
          .isInstanceOf(CallNotSupportedException.class);
    }
  }
}
