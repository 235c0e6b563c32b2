package io.libkv.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.libkv.CallNotSupportedException;
import io.libkv.Capabilities;
import io.libkv.EventType;
import io.libkv.InvalidKeyException;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.ListingChangedException;
import io.libkv.Lock;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.PreviousNotSpecifiedException;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.Subscription;
import io.libkv.TreeEvent;
import io.libkv.TtlTooShortException;
import io.libkv.UnknownOutcomeException;
import io.libkv.ValueTooLargeException;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.internal.kit.LeakProbe;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance kit: every sentence of the contract ({@code docs/compatibility.md}, "The
 * contract") as a test whose {@code @DisplayName} quotes it, plus Go libkv's shared store tests.
 * Every backend runs it against real servers.
 *
 * <h2>Plugging a backend in</h2>
 *
 * <p>A backend's test extends this class and supplies {@link #openStore()}: a <em>new client</em>
 * of the same backend data on each call (several clients are how the kit checks locks, ephemeral
 * keys and watches across clients). Starting and stopping the server is the subclass's business
 * ({@code @BeforeAll}/{@code @AfterAll}); one server per test class is enough, because every test
 * works below a key prefix of its own and deletes it afterwards.
 *
 * <pre>{@code
 * class EtcdStoreCompatibilityTest extends StoreCompatibilityKit {
 *   static EtcdServer server; // started in a static BeforeAll method
 *
 *   protected Store openStore() {
 *     return LibKV.open("etcd://" + server.endpoint());
 *   }
 *
 *   protected StoreFaults faults() {
 *     return new EtcdFaults(server); // revoke a client's lease, cut its connection
 *   }
 * }
 * }</pre>
 *
 * <p>The kit reads {@link Store#capabilities()} for TTL minimums and granularities, size limits and
 * forbidden key characters; a backend never passes test constants. TTLs are the backend's minimum
 * or {@link #baseTtl()} if larger; waits are bounded by TTL + granularity + {@link #timingSlack()}
 * and poll (Awaitility), never sleep-then-assert.
 *
 * <h2>Faults</h2>
 *
 * <p>Tests of sessions dying, clients being cut off and history being compacted use {@link
 * #faults()}: {@link StoreFaults#killSession}, {@link StoreFaults#cutOff}, {@link
 * StoreFaults#reconnect} and {@link StoreFaults#compactHistory}. Each is optional: one a backend
 * does not supply throws, so the tests needing it fail until they are excluded. The kit reconnects
 * every client it cut off before closing it.
 *
 * <h2>Exclusions</h2>
 *
 * <p>A backend that cannot meet part of the contract names the tests in {@link #excludedTests()}
 * with the reason, by method name, {@code Nested.method} or display name. They are reported as
 * skipped with that reason (never silently dropped), so the same list must appear in {@code
 * docs/compatibility.md} and in CI's allow-list of skipped tests; a name that matches no test of
 * the kit fails {@code exclusionsNameTestsOfTheKit}. The aim is an empty list: {@code memory:} has
 * none. Tests are tagged {@code slow} (they wait several TTLs; {@code -Pfast} leaves them out) and
 * {@code core} (a representative subset worth also running on clusters).
 *
 * <h2>Leaks</h2>
 *
 * <p>After every test, {@link LeakCheck} verifies that the JVM's open watch channels, keep-alives
 * and library threads are back to what they were before it, and, when the test closed every watch
 * it opened, that its stores keep nothing for them (what the SPI's stores report as their watch
 * resources).
 */
@ExtendWith({ExcludedTestsCondition.class, LeakCheck.class})
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public abstract class StoreCompatibilityKit {
  private static final String RUN =
      Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final byte[] V = "value".getBytes(UTF_8);

  private final List<Store> clients = new ArrayList<>();
  private final Set<Store> cutOff = new LinkedHashSet<>();
  private final List<ExecutorService> executors = new ArrayList<>();
  Store store;
  Capabilities caps;
  Timing timing;
  private String prefix;

  /** For subclasses. */
  protected StoreCompatibilityKit() {}

  // ---- what a backend supplies

  /**
   * Opens a new client of the backend's data: every call returns a new {@link Store} on the same
   * server (or file, or {@code memory:} name). The kit closes every store it opens.
   */
  protected abstract Store openStore();

  /** The faults this backend can inject; by default none (the tests needing one fail). */
  protected StoreFaults faults() {
    return StoreFaults.NONE;
  }

  /**
   * Tests this backend is excused from, each mapped to the reason: by method name, {@code
   * NestedClass.method}, or display name (see {@link ExcludedTestsCondition}). Reported as skipped
   * with the reason; keep it in step with {@code docs/compatibility.md}. Default: none.
   */
  protected Map<String, String> excludedTests() {
    return Map.of();
  }

  /** The TTL the kit uses where the backend's minimum is lower (default 500 ms). */
  protected Duration baseTtl() {
    return Duration.ofMillis(500);
  }

  /** Scheduling and network slack added to every timed bound (default 1 s). */
  protected Duration timingSlack() {
    return Duration.ofSeconds(1);
  }

  /**
   * The bound for anything that must happen without a TTL involved: an event to arrive, a worker to
   * finish, an unreachable store to fail (default 10 s, {@code StoreConfig}'s default operation
   * timeout).
   */
  protected Duration operationTimeout() {
    return Duration.ofSeconds(10);
  }

  /**
   * Whether the leak check should ignore {@code thread}: for threads of an in-process server that
   * start while a test runs. Default: none.
   */
  protected boolean isServerThread(Thread thread) {
    return false;
  }

  /**
   * Whether a store may read a state older than a write another store has just had acknowledged:
   * sequential rather than linearizable reads across clients (a ZooKeeper ensemble, whose followers
   * apply a commit shortly after the leader acknowledges it). The kit then lets such a read catch
   * up within its prompt bound instead of asserting it at once; a store's reads of its own writes
   * are checked at once either way. Default: false.
   */
  protected boolean readsMayLagOtherClients() {
    return false;
  }

  /** How long the leak check waits for asynchronous clean-up. */
  Duration leakBound() {
    return timingSlack().multipliedBy(3);
  }

  /** Every store the test opened through the kit (for the leak check). */
  List<Store> openedStores() {
    return List.copyOf(clients);
  }

  // ---- per-test fixture: a fresh key prefix and a first client

  @BeforeEach
  void kitSetUp(TestInfo info) {
    prefix =
        "kit"
            + RUN
            + "-"
            + SEQUENCE.incrementAndGet()
            + "-"
            + info.getTestMethod().map(Method::getName).orElse("test");
    store = client();
    caps = store.capabilities();
    timing = new Timing(caps, baseTtl(), timingSlack(), operationTimeout());
  }

  @AfterEach
  void kitTearDown() throws InterruptedException {
    List<RuntimeException> failures = new ArrayList<>();
    for (Store s : List.copyOf(cutOff)) {
      run(failures, () -> reconnect(s));
    }
    for (ExecutorService e : executors) {
      e.shutdownNow();
      e.awaitTermination(operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
    for (Store s : clients) {
      run(failures, s::close);
    }
    // best effort: tidy the server; a leftover prefix never disturbs another test
    try (Store cleaner = openStore()) {
      cleaner.deleteTree(prefix);
    } catch (KVException e) {
      // the test's keys stay behind; nothing else depends on them
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  private static void run(List<RuntimeException> failures, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }

  // ---- helpers

  /** The test's key {@code prefix/suffix}. */
  String key(String suffix) {
    return prefix + "/" + suffix;
  }

  static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  /**
   * Asserts that {@code reader}, another client than the writer, sees {@code key}; where reads may
   * lag other clients ({@link #readsMayLagOtherClients()}), once it has caught up.
   */
  private void assertSeesWrite(Store reader, String key) {
    if (readsMayLagOtherClients()) {
      Waits.within(timing.promptly).until(() -> reader.exists(key));
    }
    assertThat(reader.exists(key)).as("another client sees " + key).isTrue();
  }

  /**
   * Asserts {@code reader} finds {@code key} absent after another client deleted it: at once, or on
   * a backend whose reads may lag other clients' writes, within {@code timing.promptly}.
   */
  void assertSeesDeletion(Store reader, String key, String description) {
    if (readsMayLagOtherClients()) {
      Waits.within(timing.promptly).until(() -> !reader.exists(key));
    }
    assertThat(reader.exists(key)).as(description).isFalse();
  }

  /** Asserts {@code reader} sees every one of {@code keys} (see {@link #assertSeesWrite}). */
  void assertNothingMissing(Store reader, String... keys) {
    for (String k : keys) {
      assertSeesWrite(reader, k);
    }
  }

  /** Another client of the same data, closed after the test. */
  Store client() {
    Store s = openStore();
    clients.add(s);
    return s;
  }

  void cutOff(Store s) {
    faults().cutOff(s);
    cutOff.add(s);
  }

  void reconnect(Store s) {
    faults().reconnect(s);
    cutOff.remove(s);
  }

  /** A single-thread executor for watch listeners, shut down after the test. */
  ExecutorService executor() {
    ExecutorService e =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "kit-listener");
              t.setDaemon(
                  true); // the kit's own, not the store's: the leak check leaves it to the teardown
              return t;
            });
    executors.add(e);
    return e;
  }

  private LockOptions lockOptions(String value) {
    return LockOptions.builder().value(value).ttl(timing.ephemeralTtl).build();
  }

  static List<String> keysOf(List<KVPair> pairs) {
    return pairs.stream().map(KVPair::key).collect(Collectors.toList());
  }

  private static Map<String, String> contents(List<KVPair> pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    pairs.forEach(p -> m.put(p.key(), p.valueAsString()));
    return m;
  }

  <E> E next(Watch<E> w) throws InterruptedException {
    return Waits.next(w, timing.operation);
  }

  private static @Nullable String value(KeyEvent e) {
    return e.pair().map(KVPair::valueAsString).orElse(null);
  }

  /** Orders strings by their UTF-8 bytes, independently of {@link Keys#UTF8_ORDER}. */
  private static int compareUtf8Bytes(String a, String b) {
    return Arrays.compareUnsigned(utf8(a), utf8(b));
  }

  /** Samples of non-ASCII key text, kept to those the backend allows. */
  private List<String> nonAsciiSamples() {
    return List.of("é", "ü-ñ", "Ω", "日本", "\uff5e", "😀", "𝄞").stream()
        .filter(s -> s.codePoints().allMatch(caps::allowsKeyCodePoint))
        .collect(Collectors.toList());
  }

  /**
   * Runs each call, asserting it throws {@code type}; returns what each threw (by the call's name)
   * for further checks.
   */
  private static <T extends Throwable> Map<String, T> assertEachThrows(
      Class<T> type, String context, Map<String, ThrowingCallable> calls) {
    Map<String, T> thrown = new LinkedHashMap<>();
    calls.forEach(
        (name, call) -> {
          Throwable t = catchThrowable(call);
          assertThat(t).as("%s %s", name, context).isInstanceOf(type);
          thrown.put(name, type.cast(t));
        });
    return thrown;
  }

  /** Asserts every operation taking a key rejects {@code bad} with {@link InvalidKeyException}. */
  private void assertRejectedAsKey(String bad) {
    KVPair previous = KVPair.of("x", V, 1);
    Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
    calls.put("put", () -> store.put(bad, V));
    calls.put(
        "put ephemeral", () -> store.put(bad, V, WriteOptions.ephemeral(timing.ephemeralTtl)));
    calls.put("putAll", () -> store.putAll(Map.of(bad, V)));
    calls.put("get", () -> store.get(bad));
    calls.put("exists", () -> store.exists(bad));
    calls.put("delete", () -> store.delete(bad));
    calls.put("atomicPut create", () -> store.atomicPut(bad, V, null, WriteOptions.DEFAULT));
    calls.put("atomicPut", () -> store.atomicPut(bad, V, previous, WriteOptions.DEFAULT));
    calls.put("atomicDelete", () -> store.atomicDelete(bad, previous));
    calls.put("watch", () -> store.watch(bad).close());
    calls.put("newLock", () -> store.newLock(bad, lockOptions("x")));
    assertEachThrows(InvalidKeyException.class, "of key \"" + bad + "\"", calls);
  }

  /**
   * Asserts every operation taking a directory rejects {@code bad} with {@link
   * InvalidKeyException}.
   */
  private void assertRejectedAsDirectory(String bad) {
    Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
    calls.put("list", () -> store.list(bad));
    calls.put("deleteTree", () -> store.deleteTree(bad));
    calls.put("watchTree", () -> store.watchTree(bad).close());
    assertEachThrows(InvalidKeyException.class, "of directory \"" + bad + "\"", calls);
  }

  /** Asserts nothing at all was written below the test's prefix. */
  void assertNothingWritten() {
    assertThatExceptionOfType(KeyNotFoundException.class)
        .as("keys below %s", prefix)
        .isThrownBy(() -> store.list(prefix));
  }

  /**
   * Whether the backend supports a TTL meaning; when it does not, asserts the contract for that
   * case instead ({@link CallNotSupportedException}, nothing written) so the test still checks it.
   */
  private boolean supports(boolean supported, WriteOptions options) {
    if (!supported) {
      assertThatExceptionOfType(CallNotSupportedException.class)
          .isThrownBy(() -> store.put(key("unsupported"), V, options));
      assertThatExceptionOfType(CallNotSupportedException.class)
          .isThrownBy(() -> store.atomicPut(key("unsupported"), V, null, options));
      assertNothingWritten();
    }
    return supported;
  }

  WriteOptions ephemeral() {
    return WriteOptions.ephemeral(timing.ephemeralTtl);
  }

  WriteOptions expiring() {
    return WriteOptions.expiring(timing.expiringTtl);
  }

  /** A call running in a thread of its own. */
  private static final class Background<T> {
    final Thread thread;
    final CompletableFuture<T> result = new CompletableFuture<>();

    Background(String name, java.util.concurrent.Callable<T> body) {
      thread =
          new Thread(
              () -> {
                try {
                  result.complete(body.call());
                } catch (Throwable e) {
                  result.completeExceptionally(e);
                }
              },
              name);
      thread.start();
    }
  }

  /** Starts {@code body} in a new thread. */
  private static <T> Background<T> inThread(String name, java.util.concurrent.Callable<T> body) {
    return new Background<>(name, body);
  }

  /** Waits until the call blocks (the thread waits on a lock, condition or future). */
  private void awaitBlocked(Background<?> b) {
    Waits.within(timing.operation)
        .until(
            () ->
                b.result.isDone()
                    || b.thread.getState() == Thread.State.WAITING
                    || b.thread.getState() == Thread.State.TIMED_WAITING);
  }

  /** The call's outcome, which must come within the operation bound. */
  private <T> T join(Background<T> b) throws Exception {
    return b.result.get(timing.operation.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- the kit itself

  @Test
  @DisplayName("The exclusion list names only tests of this kit, each with a reason")
  void exclusionsNameTestsOfTheKit() {
    Set<String> names = new LinkedHashSet<>();
    collectTestNames(StoreCompatibilityKit.class, names);
    assertThat(names).hasSizeGreaterThan(100);
    excludedTests()
        .forEach(
            (test, reason) -> {
              assertThat(names)
                  .as("excluded test \"%s\" (no such test in the kit)", test)
                  .contains(test);
              assertThat(reason).as("reason for excluding \"%s\"", test).isNotBlank();
            });
  }

  private static void collectTestNames(Class<?> c, Set<String> names) {
    for (Method m : c.getDeclaredMethods()) {
      if (m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class)) {
        names.addAll(ExcludedTestsCondition.namesOf(m));
      }
    }
    for (Class<?> nested : c.getDeclaredClasses()) {
      if (nested.isAnnotationPresent(Nested.class)) {
        collectTestNames(nested, names);
      }
    }
  }

  @Test
  @DisplayName(
      "Capabilities: limits are sane (positive TTL minimums, a key limit within Keys.MAX_KEY_BYTES)")
  void capabilitiesAreSane() {
    assertThat(caps.backend()).isNotBlank();
    assertThat(caps.minEphemeralTtl()).isPositive();
    assertThat(caps.minExpiringTtl()).isPositive();
    assertThat(caps.ephemeralTtlGranularity().isNegative()).isFalse();
    assertThat(caps.expiringTtlGranularity().isNegative()).isFalse();
    assertThat(caps.maxValueBytes()).isPositive();
    assertThat(caps.maxKeyBytes()).isBetween(prefix.length() + 2, Keys.MAX_KEY_BYTES);
    assertThat(store.description()).isNotBlank();
  }

  // =====================================================================================
  @Nested
  @DisplayName("Keys")
  class KeyRules {
    @Test
    @Tag("core")
    @DisplayName("A key is a `/`-separated path. Canonical form: no leading or trailing `/`")
    void canonicalForm() {
      store.put("/" + key("a/b/c") + "/", V);
      KVPair p = store.get(key("a/b/c"));
      assertThat(p.key()).isEqualTo(key("a/b/c"));
      assertThat(keysOf(store.list(key("a")))).containsExactly(key("a/b/c"));
      assertThat(keysOf(store.list(key("a/b")))).containsExactly(key("a/b/c"));
    }

    @Test
    @DisplayName("\"a/b\", \"/a/b\" and \"a/b/\" name the same key; KVPair.key() returns \"a/b\"")
    void threeSpellingsNameOneKey() {
      String k = key("a/b");
      List<String> spellings = List.of(k, "/" + k, k + "/", "/" + k + "/");
      for (String written : spellings) {
        store.put(written, utf8(written));
        for (String read : spellings) {
          KVPair p = store.get(read);
          assertThat(p.key()).as("key read as %s", read).isEqualTo(k);
          assertThat(p.valueAsString()).isEqualTo(written);
          assertThat(store.exists(read)).isTrue();
        }
        assertThat(keysOf(store.list(prefix))).containsExactly(k);
      }
      store.delete(k + "/");
      assertThat(store.exists("/" + k)).isFalse();
    }

    @Test
    @DisplayName(
        "Rejected with InvalidKeyException: empty key (\"\" or \"/\" names the root only where a directory is expected)")
    void emptyKeyRejected() {
      for (String empty : List.of("", "/", "//")) {
        assertRejectedAsKey(empty);
      }
      assertThatExceptionOfType(InvalidKeyException.class).isThrownBy(() -> store.deleteTree(""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.libkv.testkit.BadKeys#belowPrefix")
    @DisplayName(
        "Rejected with InvalidKeyException: empty segment (a//b), . or .. segments, NUL or other control characters — and never written")
    void invalidKeysRejectedAndNeverWritten(String suffix) {
      String bad = key(suffix);
      assertRejectedAsKey(bad);
      assertRejectedAsDirectory(bad);
      assertNothingWritten();
    }

    @Test
    @DisplayName(
        "Rejected with InvalidKeyException: more than a documented byte length (Capabilities.maxKeyBytes(); UTF-8 bytes, not chars)")
    void keyLengthLimit() {
      int max = caps.maxKeyBytes();
      String atLimit = key("k".repeat(max - prefix.length() - 1));
      assertThat(Keys.utf8Length(atLimit)).isEqualTo(max);
      store.put(atLimit, V);
      assertThat(store.get(atLimit).key()).isEqualTo(atLimit);
      store.delete(atLimit);

      String over = key("k".repeat(max - prefix.length()));
      assertRejectedAsKey(over);
      assertRejectedAsDirectory(over);
      if (caps.allowsKeyCodePoint('é')) {
        // fewer chars than the limit, more bytes
        String wide = key("é".repeat((max - prefix.length()) / 2 + 1));
        assertThat(wide.length()).isLessThanOrEqualTo(max);
        assertRejectedAsKey(wide);
      }
      assertNothingWritten();
    }

    @Test
    @DisplayName(
        "The root namespace _libkv/ is reserved for the library's own records: user keys under it are rejected")
    void reservedNamespaceRejected() {
      for (String reserved : List.of("_libkv", "_libkv/", "/_libkv/x", "_libkv/locks/a/b")) {
        assertRejectedAsKey(reserved);
        assertRejectedAsDirectory(reserved);
      }
      // only the root segment is reserved
      store.put(key("_libkv/x"), V);
      assertThat(store.get(key("_libkv/x")).key()).isEqualTo(key("_libkv/x"));
    }

    @Test
    @DisplayName("\"\" or \"/\" names the root for list and watchTree — never for deleteTree")
    void rootDirectory() throws Exception {
      store.put(key("x"), V);
      assertThat(keysOf(store.list(""))).contains(key("x"));
      assertThat(keysOf(store.list("/"))).contains(key("x"));
      try (Watch<TreeEvent> w = store.watchTree("/")) {
        TreeEvent first = next(w);
        assertThat(first.directory()).isEmpty();
        assertThat(keysOf(first.pairs())).contains(key("x"));
      }
      for (String root : List.of("", "/")) {
        assertThatExceptionOfType(InvalidKeyException.class)
            .isThrownBy(() -> store.deleteTree(root));
      }
      assertThat(store.exists(key("x"))).isTrue();
    }

    @Test
    @DisplayName("A key may also be a directory of other keys")
    void keyIsAlsoDirectory() {
      store.put(key("d"), utf8("dir"));
      store.put(key("d/leaf"), utf8("leaf"));
      assertThat(store.get(key("d")).valueAsString()).isEqualTo("dir");
      assertThat(store.get(key("d/leaf")).valueAsString()).isEqualTo("leaf");
      assertThat(keysOf(store.list(key("d")))).containsExactly(key("d/leaf"));
      assertThat(keysOf(store.list(prefix))).containsExactly(key("d"), key("d/leaf"));
      // delete removes the key only; keys below it stay
      store.delete(key("d"));
      assertThat(store.exists(key("d"))).isFalse();
      assertThat(store.get(key("d/leaf")).valueAsString()).isEqualTo("leaf");
    }

    @Test
    @DisplayName("Non-ASCII keys the backend allows (é, 日本, an emoji) round-trip unchanged")
    void nonAsciiKeysRoundTrip() {
      Store other = client();
      List<String> samples = nonAsciiSamples();
      assertThat(samples).isNotEmpty();
      for (String s : samples) {
        String k = key("dir-" + s + "/" + s);
        store.put(k, utf8(s));
        assertSeesWrite(other, k);
        KVPair p = other.get(k);
        assertThat(p.key()).isEqualTo(k);
        assertThat(p.valueAsString()).isEqualTo(s);
        assertThat(keysOf(other.list(key("dir-" + s)))).containsExactly(k);
      }
    }

    @Test
    @DisplayName(
        "Characters the backend declares in Capabilities.forbiddenKeyCodePoints() are rejected with InvalidKeyException")
    void forbiddenCodePointsRejected() {
      for (Capabilities.CodePointRange r : caps.forbiddenKeyCodePoints()) {
        for (int cp : new int[] {r.first(), r.last()}) {
          assertRejectedAsKey(key("a" + new String(Character.toChars(cp)) + "b"));
        }
      }
      assertNothingWritten();
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("Index")
  class Index {
    @Test
    @Tag("core")
    @DisplayName("lastIndex is > 0, changes on every write of that key")
    void indexPositiveAndChangesOnEveryWrite() {
      String k = key("k");
      store.put(k, V);
      KVPair p1 = store.get(k);
      assertThat(p1.lastIndex()).isPositive();
      store.put(k, V); // the same value is still a write
      KVPair p2 = store.get(k);
      assertThat(p2.lastIndex()).isNotEqualTo(p1.lastIndex());
      KVPair p3 = store.atomicPut(k, V, p2, WriteOptions.DEFAULT);
      assertThat(p3.lastIndex()).isNotEqualTo(p2.lastIndex());
      assertThat(store.get(k).lastIndex()).isEqualTo(p3.lastIndex());
    }

    @Test
    @DisplayName("lastIndex is strictly increasing across all writes of the store")
    void indexStrictlyIncreasingAcrossWrites() {
      Store other = client();
      long last = 0;
      for (int i = 0; i < 30; i++) {
        Store writer = i % 2 == 0 ? store : other;
        String k = key("k" + i % 3 + (i % 5 == 0 ? "/sub" : ""));
        long index;
        if (i % 4 == 3) {
          KVPair previous = writer.exists(k) ? writer.get(k) : null; // a create when absent
          index = writer.atomicPut(k, utf8("v" + i), previous, WriteOptions.DEFAULT).lastIndex();
        } else {
          writer.put(k, utf8("v" + i));
          index = writer.get(k).lastIndex();
        }
        assertThat(index).as("index of write %d", i).isGreaterThan(last);
        last = index;
        if (i % 7 == 6) {
          writer.delete(k); // a delete is a write too: what follows still goes up
        }
      }
    }

    @Test
    @DisplayName("lastIndex is never reused after a delete and re-create")
    void indexNeverReusedAfterDeleteAndRecreate() {
      String k = key("k");
      store.put(k, V);
      long first = store.get(k).lastIndex();
      store.delete(k);
      store.put(k, V);
      long second = store.get(k).lastIndex();
      assertThat(second).isGreaterThan(first);
      store.deleteTree(prefix);
      long third = store.atomicPut(k, V, null, WriteOptions.DEFAULT).lastIndex();
      assertThat(third).isGreaterThan(second);
      store.atomicDelete(k, store.get(k));
      store.put(k, V);
      assertThat(store.get(k).lastIndex()).isGreaterThan(third);
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("put/get/delete/exists")
  class PutGetDeleteExists {
    @Test
    @Tag("core")
    @DisplayName("Read-your-writes from the same Store")
    void readYourWrites() {
      String k = key("k");
      for (int i = 0; i < 50; i++) {
        String v = "v" + i;
        store.put(k, utf8(v));
        assertThat(store.get(k).valueAsString()).isEqualTo(v);
        assertThat(store.exists(k)).isTrue();
        assertThat(contents(store.list(prefix))).containsExactly(Map.entry(k, v));
        store.delete(k);
        assertThat(store.exists(k)).isFalse();
      }
    }

    @Test
    @DisplayName("get of a missing key throws KeyNotFoundException")
    void getMissingThrows() {
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.get(key("missing")));
      store.put(key("k"), V);
      store.delete(key("k"));
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> store.get(key("k")));
      assertThat(store.exists(key("k"))).isFalse();
    }

    @Test
    @Tag("core")
    @DisplayName(
        "A directory that exists only because keys lie below it is not a key: exists(\"a\") after put(\"a/b/c\") is false")
    void implicitDirectoriesAreNotKeys() {
      Store other = client();
      store.put(key("a/b/c"), V);
      for (Store s : List.of(store, other)) {
        for (String dir : List.of(key("a"), key("a/b"), key("a/b") + "/")) {
          assertThat(s.exists(dir)).as("exists(%s)", dir).isFalse();
          assertThatExceptionOfType(KeyNotFoundException.class)
              .as("get(%s)", dir)
              .isThrownBy(() -> s.get(dir));
        }
        assertThat(keysOf(s.list(key("a")))).containsExactly(key("a/b/c"));
      }
    }

    @Test
    @DisplayName("delete of an absent key is no error")
    void deleteAbsentIsNoError() {
      store.delete(key("never-written"));
      store.put(key("k"), V);
      store.delete(key("k"));
      store.delete(key("k"));
      assertThat(store.exists(key("k"))).isFalse();
    }

    @Test
    @DisplayName("Values hold any bytes: every byte 0-255 round-trips, across clients")
    void everyByteValueRoundTrips() {
      byte[] all = new byte[512];
      for (int i = 0; i < all.length; i++) {
        all[i] = (byte) (i % 256);
      }
      store.put(key("bytes"), all);
      assertThat(client().get(key("bytes")).value()).isEqualTo(all);
      byte[] reversed = new byte[all.length];
      for (int i = 0; i < all.length; i++) {
        reversed[i] = all[all.length - 1 - i];
      }
      KVPair p =
          store.atomicPut(key("bytes"), reversed, store.get(key("bytes")), WriteOptions.DEFAULT);
      assertThat(p.value()).isEqualTo(reversed);
      assertThat(store.get(key("bytes")).value()).isEqualTo(reversed);
    }

    @Test
    @DisplayName("An empty value is a value: the key exists and reads back empty")
    void emptyValue() {
      store.put(key("empty"), new byte[0]);
      assertThat(store.exists(key("empty"))).isTrue();
      assertThat(client().get(key("empty")).value()).isEmpty();
      store.atomicPut(key("created-empty"), new byte[0], null, WriteOptions.DEFAULT);
      assertThat(store.get(key("created-empty")).valueLength()).isZero();
      assertThat(keysOf(store.list(prefix))).containsExactly(key("created-empty"), key("empty"));
    }

    @Test
    @DisplayName("A value of exactly Capabilities.maxValueBytes() is accepted")
    void valueAtTheLimit() {
      byte[] big = new byte[Math.toIntExact(caps.maxValueBytes())];
      ThreadLocalRandom.current().nextBytes(big);
      store.put(key("big"), big);
      assertThat(client().get(key("big")).value()).isEqualTo(big);
    }

    @Test
    @DisplayName(
        "putAll writes plain values, validating every key and value before the first write; atomically where Capabilities.atomicBatch()")
    void putAllWritesPlainValues() throws Exception {
      Store writer = client();
      boolean ephemeral = caps.ephemeralTtl();
      if (ephemeral) {
        writer.put(key("b"), utf8("ephemeral"), ephemeral());
      }
      Map<String, byte[]> invalid = new LinkedHashMap<>();
      invalid.put(key("x"), V);
      invalid.put(key("a//b"), V);
      assertThatExceptionOfType(InvalidKeyException.class).isThrownBy(() -> store.putAll(invalid));
      assertThat(keysBelow(store, prefix))
          .containsExactlyElementsOf(ephemeral ? List.of(key("b")) : List.of());
      Map<String, byte[]> batch = new LinkedHashMap<>();
      batch.put(key("c/d"), utf8("cd"));
      batch.put("/" + key("a"), utf8("a"));
      batch.put(key("b") + "/", utf8("b"));
      try (Watch<TreeEvent> w = store.watchTree(prefix)) {
        next(w);
        store.putAll(batch);
        assertThat(contents(store.list(prefix)))
            .containsExactly(
                Map.entry(key("a"), "a"), Map.entry(key("b"), "b"), Map.entry(key("c/d"), "cd"));
        TreeEvent first = next(w);
        assertWellFormed(first);
        if (caps.atomicBatch()) {
          // atomic: no one sees part of the batch
          assertThat(keysOf(first.pairs())).containsExactly(key("a"), key("b"), key("c/d"));
        }
      }
      writer.close();
      // putAll wrote b as a plain key: its old writer's close leaves it alone
      Waits.holdsFor(timing.promptly, "key written by putAll", () -> store.exists(key("b")));
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("list / deleteTree")
  class ListAndDeleteTree {
    @Test
    @Tag("core")
    @DisplayName(
        "list(dir) returns every key strictly below dir/ (all depths), sorted by key, not the key dir itself")
    void listAllDepthsSortedWithoutDir() {
      String dir = key("dir");
      store.put(dir, utf8("itself"));
      for (String s : List.of("c/e/f", "b", "c/d", "a")) {
        store.put(dir + "/" + s, utf8(s));
      }
      List<String> expected = List.of(dir + "/a", dir + "/b", dir + "/c/d", dir + "/c/e/f");
      for (String spelling : List.of(dir, dir + "/", "/" + dir)) {
        List<KVPair> listed = store.list(spelling);
        assertThat(keysOf(listed)).as("list(%s)", spelling).containsExactlyElementsOf(expected);
        assertThat(listed).allSatisfy(p -> assertThat(p.lastIndex()).isPositive());
        assertThat(listed.get(2).valueAsString()).isEqualTo("c/d");
      }
    }

    @Test
    @DisplayName("list is sorted by key in UTF-8 byte order, non-ASCII keys included")
    void listSortedByUtf8Bytes() {
      List<String> names = new ArrayList<>(List.of("b", "a", "Z", "0", "a-b", "a.b", "a_b", "~"));
      names.addAll(nonAsciiSamples());
      for (String n : names) {
        store.put(key("s/" + n), utf8(n));
      }
      List<String> listed = keysOf(store.list(key("s")));
      List<String> expected =
          names.stream()
              .map(n -> key("s/" + n))
              .sorted(StoreCompatibilityKit::compareUtf8Bytes)
              .collect(Collectors.toList());
      assertThat(listed).containsExactlyElementsOf(expected);
      if (names.contains("\uff5e") && names.contains("😀")) {
        // UTF-16 order would put the emoji (a surrogate pair) first
        assertThat(listed.indexOf(key("s/\uff5e"))).isLessThan(listed.indexOf(key("s/😀")));
      }
    }

    @Test
    @Tag("core")
    @DisplayName("A prefix is matched on segment boundaries (list(\"app\") never returns apple)")
    void prefixOnSegmentBoundaries() {
      for (String s : List.of("app", "app/x", "apple", "apple/y", "app-x", "app.x", "app0", "ap")) {
        store.put(key(s), utf8(s));
      }
      assertThat(keysOf(store.list(key("app")))).containsExactly(key("app/x"));
      store.deleteTree(key("app"));
      assertThat(keysOf(store.list(prefix)))
          .containsExactlyInAnyOrder(
              key("apple"), key("apple/y"), key("app-x"), key("app.x"), key("app0"), key("ap"));
    }

    @Test
    @DisplayName("If neither dir nor anything below it exists: KeyNotFoundException")
    void listOfMissingDirectoryThrows() {
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.list(key("missing")));
      store.put(key("d/x"), V);
      store.delete(key("d/x"));
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> store.list(key("d")));
    }

    @Test
    @DisplayName("list of a key with nothing below it returns an empty list (dir exists)")
    void listOfLeafIsEmpty() {
      store.put(key("leaf"), V);
      assertThat(store.list(key("leaf"))).isEmpty();
    }

    @Test
    @Tag("core")
    @DisplayName("deleteTree(dir) removes dir and everything below it")
    void deleteTreeRemovesDirAndBelow() {
      Store other = client();
      for (String s : List.of("t", "t/a", "t/b/c", "t/b/d/e", "tt", "t-x", "u/a")) {
        store.put(key(s), utf8(s));
      }
      store.deleteTree(key("t") + "/");
      for (Store s : List.of(store, other)) {
        assertThat(s.exists(key("t"))).isFalse();
        assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> s.list(key("t")));
        assertThat(keysOf(s.list(prefix))).containsExactly(key("t-x"), key("tt"), key("u/a"));
      }
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("list snapshots")
  class ListSnapshot {
    /** Rounds of each race: enough for a listing to overlap the other client's writes often. */
    private static final int ROUNDS = 3;

    /** Rounds of the deleteTree race, which overlaps a listing once a round. */
    private static final int DELETE_ROUNDS = 10;

    /**
     * Where the races put keys: three depths, so that a listing reads them level by level, at
     * different times.
     */
    private final List<String> depths = List.of("", "a/", "a/b/");

    /** The race's i-th key below {@code dir}; keys sort by i within each depth. */
    private String raceKey(String dir, int i) {
      return dir + "/" + depths.get(i % 3) + String.format("k%04d", i);
    }

    @Test
    @DisplayName(
        "A list shows a state that existed at one moment: racing another client's deleteTree of 1,000 keys it "
            + "returns all of them or KeyNotFoundException")
    void listRacingDeleteTreeIsAllOrNothing() throws Exception {
      Store other = client();
      String dir = key("d");
      Map<String, byte[]> all = new LinkedHashMap<>();
      for (int i = 0; i < 1000; i++) {
        all.put(raceKey(dir, i), utf8("v" + i));
      }
      List<String> expected =
          all.keySet().stream()
              .sorted(StoreCompatibilityKit::compareUtf8Bytes)
              .collect(Collectors.toList());
      List<String> torn = new ArrayList<>();
      int listings = 0;
      for (int round = 0; round < DELETE_ROUNDS; round++) {
        store.putAll(all);
        assertSeesWrite(other, expected.get(expected.size() - 1));
        AtomicBoolean listing = new AtomicBoolean();
        Background<Void> deleter =
            inThread(
                "kit-deleter",
                () -> {
                  Waits.within(timing.operation).until(listing::get);
                  other.deleteTree(dir);
                  return null;
                });
        // list until the tree is gone: the deleteTree lands during one of these listings
        for (int n = 0; n < 10_000; n++) {
          List<KVPair> listed;
          try {
            listing.set(true);
            listed = store.list(dir);
          } catch (KeyNotFoundException gone) {
            break;
          }
          listings++;
          List<String> keys = keysOf(listed);
          if (!keys.equals(expected)) {
            torn.add("round " + round + ": " + keys.size() + " of " + expected.size() + " keys");
          }
        }
        join(deleter);
      }
      assertThat(listings).as("listings that returned keys").isPositive();
      assertThat(torn)
          .as("listings (of %d) showing a state that never existed", listings)
          .isEmpty();
    }

    @Test
    @DisplayName(
        "A list shows a state that existed at one moment: racing another client's puts, each adding a key, it "
            + "returns the keys written before some moment, each with its value")
    void listRacingPutsIsPrefixClosed() throws Exception {
      Store other = client();
      String dir = key("p");
      int count = 150;
      List<String> written = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        written.add(raceKey(dir, i));
      }
      List<String> torn = new ArrayList<>();
      int listings = 0;
      int changed = 0;
      for (int round = 0; round < ROUNDS; round++) {
        AtomicBoolean listing = new AtomicBoolean();
        Background<Void> writer =
            inThread(
                "kit-writer",
                () -> {
                  Waits.within(timing.operation).until(listing::get);
                  for (String k : written) {
                    other.put(k, utf8(k));
                  }
                  return null;
                });
        // and once more after the writer is done (on a fast store it may finish before a list does)
        for (int n = 0; n < 100_000; n++) {
          boolean last = writer.result.isDone();
          if (last) {
            join(writer);
            // a member behind the writer's (a ZooKeeper follower) catches up first
            assertSeesWrite(store, written.get(count - 1));
          }
          List<KVPair> listed;
          try {
            listing.set(true);
            listed = store.list(dir);
          } catch (KeyNotFoundException empty) {
            assertThat(last).as("a list after every put returned found nothing").isFalse();
            continue;
          } catch (ListingChangedException busy) {
            // the documented outcome where every attempt overlapped a put; never a torn list
            changed++;
            continue;
          }
          listings++;
          Map<String, String> got = contents(listed);
          int present = 0;
          while (present < count && got.containsKey(written.get(present))) {
            present++;
          }
          List<String> expected = written.subList(0, present);
          if (got.size() != present || !expected.stream().allMatch(k -> k.equals(got.get(k)))) {
            List<String> after =
                got.keySet().stream()
                    .filter(k -> !expected.contains(k))
                    .collect(Collectors.toList());
            torn.add(
                "round "
                    + round
                    + ": the first "
                    + present
                    + " keys, then "
                    + after.size()
                    + " later ones "
                    + after.stream().limit(3).collect(Collectors.toList()));
          }
          if (last) {
            assertThat(present).as("keys listed after every put returned").isEqualTo(count);
            break;
          }
        }
        join(writer);
        other.deleteTree(dir);
      }
      assertThat(listings)
          .as("listings that returned keys (%d more kept changing)", changed)
          .isPositive();
      assertThat(torn)
          .as(
              "listings (of %d, and %d that kept changing) showing a state that never existed",
              listings, changed)
          .isEmpty();
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("atomicPut / atomicDelete")
  class AtomicPutAndDelete {
    @Test
    @Tag("core")
    @DisplayName("atomicPut(k, v, null) creates only if absent, else KeyExistsException")
    void createOnly() {
      String k = key("k");
      KVPair created = store.atomicPut(k, utf8("first"), null, WriteOptions.DEFAULT);
      assertThat(created.key()).isEqualTo(k);
      assertThat(created.valueAsString()).isEqualTo("first");
      assertThat(created.lastIndex()).isEqualTo(store.get(k).lastIndex());
      Store other = client();
      assertThatExceptionOfType(KeyExistsException.class)
          .isThrownBy(() -> other.atomicPut(k, utf8("second"), null, WriteOptions.DEFAULT));
      assertThatExceptionOfType(KeyExistsException.class)
          .isThrownBy(() -> other.atomicCreate(k, utf8("second"), WriteOptions.DEFAULT));
      assertThat(store.get(k)).isEqualTo(created);
    }

    @Test
    @Tag("core")
    @DisplayName(
        "With previous: succeeds iff the current lastIndex equals previous.lastIndex(), else KeyModifiedException (KeyNotFoundException if the key is gone)")
    void compareAndSet() {
      String k = key("k");
      store.put(k, utf8("v1"));
      KVPair p1 = store.get(k);
      KVPair p2 = store.atomicPut(k, utf8("v2"), p1, WriteOptions.DEFAULT);
      assertThat(p2.lastIndex()).isGreaterThan(p1.lastIndex());
      assertThat(p2.valueAsString()).isEqualTo("v2");
      assertThat(store.get(k)).isEqualTo(p2);
      assertThatExceptionOfType(KeyModifiedException.class)
          .isThrownBy(() -> store.atomicPut(k, utf8("v3"), p1, WriteOptions.DEFAULT));
      assertThat(store.get(k)).isEqualTo(p2);
      store.delete(k);
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.atomicPut(k, utf8("v4"), p2, WriteOptions.DEFAULT));
      assertThat(store.exists(k)).isFalse();
    }

    @Test
    @DisplayName(
        "atomicDelete needs previous (PreviousNotSpecifiedException) and the same index rule")
    void compareAndDelete() {
      String k = key("k");
      store.put(k, utf8("v1"));
      KVPair stale = store.get(k);
      store.put(k, utf8("v2"));
      KVPair current = store.get(k);
      // a null previous on purpose: the contract's PreviousNotSpecifiedException
      @SuppressWarnings("NullAway")
      ThrowingCallable deleteWithoutPrevious = () -> store.atomicDelete(k, null);
      assertThatExceptionOfType(PreviousNotSpecifiedException.class)
          .isThrownBy(deleteWithoutPrevious);
      assertThatExceptionOfType(KeyModifiedException.class)
          .isThrownBy(() -> store.atomicDelete(k, stale));
      assertThat(store.get(k)).isEqualTo(current);
      store.atomicDelete(k, current);
      assertThat(store.exists(k)).isFalse();
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.atomicDelete(k, current));
    }

    @Test
    @Tag("core")
    @DisplayName(
        "Linearizable: N clients doing read-then-CAS increments on one key end with exactly the number of successful CAS calls")
    void casIsLinearizable() throws Exception {
      int threads = 8;
      int attempts = 200;
      String k = key("counter");
      store.put(k, utf8("0"));
      List<Store> stores = new ArrayList<>();
      for (int i = 0; i < threads / 2; i++) {
        stores.add(client());
      }
      AtomicInteger successes = new AtomicInteger();
      Waits.inParallel(
          threads,
          timing.operation.multipliedBy(6),
          i -> {
            Store s = i < stores.size() ? stores.get(i) : store; // half the threads share a client
            for (int a = 0; a < attempts; a++) {
              KVPair p = s.get(k);
              int n = Integer.parseInt(p.valueAsString());
              try {
                s.atomicPut(k, utf8(Integer.toString(n + 1)), p, WriteOptions.DEFAULT);
                successes.incrementAndGet();
              } catch (KeyModifiedException lostRace) {
                // another client won this round
              }
            }
          });
      assertThat(successes.get()).isPositive();
      assertThat(Integer.parseInt(store.get(k).valueAsString())).isEqualTo(successes.get());
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("TTL: two explicit meanings")
  class Ttl {
    @Test
    @Tag("slow")
    @DisplayName(
        "ttl(d), keep-alive on: an ephemeral key lives while the writing Store is open (the library renews it)")
    void ephemeralLivesWhileWriterOpen() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("e"), V, ephemeral());
      Waits.holdsFor(
          timing.pastTwoTtls, "ephemeral key of an open writer", () -> other.exists(key("e")));
      assertThat(other.get(key("e")).value()).isEqualTo(V);
    }

    @Test
    @Tag("core")
    @DisplayName(
        "ttl(d), keep-alive on: an ephemeral key is removed promptly when that Store is closed")
    void ephemeralRemovedWhenWriterCloses() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("e1"), V, ephemeral());
      writer.put(key("e2"), V, WriteOptions.ephemeral(timing.ephemeralTtl.plusMillis(500)));
      writer.put(key("plain"), V);
      assertSeesWrite(other, key("plain"));
      assertThat(other.exists(key("e1"))).isTrue();
      writer.close();
      Waits.within(timing.promptly)
          .untilAsserted(
              () -> {
                assertThat(other.exists(key("e1"))).as("first ephemeral key").isFalse();
                assertThat(other.exists(key("e2"))).as("ephemeral key of another TTL").isFalse();
              });
      assertThat(other.exists(key("plain"))).isTrue();
    }

    @Test
    @DisplayName(
        "ttl(d), keep-alive on: the writing Store is the last writer — an earlier writer's close leaves the key alone")
    void ephemeralKeyBelongsToItsLastWriter() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store first = client();
      Store second = client();
      Store other = client();
      first.put(key("e"), utf8("first"), ephemeral());
      second.put(key("e"), utf8("second"), ephemeral());
      first.close();
      Waits.holdsFor(
          timing.promptly,
          "ephemeral key rewritten by another store",
          () -> other.exists(key("e")));
      assertThat(other.get(key("e")).valueAsString()).isEqualTo("second");
      second.close();
      Waits.within(timing.promptly).until(() -> !other.exists(key("e")));
    }

    @Test
    @DisplayName(
        "ttl(d), keep-alive on: an ephemeral key is removed within d (plus the backend's documented granularity) when its writer is cut off")
    void ephemeralRemovedWithinTtlWhenCutOff() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("e"), V, ephemeral());
      cutOff(writer);
      Waits.within(timing.ephemeralGone).until(() -> !other.exists(key("e")));
    }

    @Test
    @DisplayName(
        "ttl(d), keep-alive on: an ephemeral key goes when its writer's session dies; the store goes on with a new session")
    void ephemeralRemovedWhenSessionDies() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("e"), V, ephemeral());
      faults().killSession(writer);
      Waits.within(timing.ephemeralGone).until(() -> !other.exists(key("e")));
      Waits.within(timing.operation)
          .ignoreException(StoreUnavailableException.class)
          .until(
              () -> {
                writer.put(key("after"), V, ephemeral());
                return true;
              });
      Waits.holdsFor(
          timing.ephemeralTtl.plus(caps.ephemeralTtlGranularity()),
          "ephemeral key of the new session",
          () -> other.exists(key("after")));
    }

    @Test
    @Tag("core")
    @DisplayName(
        "ttl(d) with keep-alive off: an expiring key is removed d after its last write, whether or not the writer is still running")
    void expiringRemovedAfterTtlThoughWriterOpen() {
      if (!supports(caps.expiringTtl(), expiring())) {
        return;
      }
      Store other = client();
      store.put(key("x"), V, expiring());
      Waits.holdsFor(
          timing.expiringTtl.dividedBy(2),
          "expiring key before its TTL",
          () -> other.exists(key("x")));
      Waits.within(timing.expiringGone).until(() -> !other.exists(key("x")));
    }

    @Test
    @Tag("slow")
    @DisplayName("ttl(d) with keep-alive off: the TTL runs from the key's last write")
    void expiringTtlRunsFromLastWrite() {
      Duration granularity = caps.expiringTtlGranularity();
      // the second write must land before the first deadline and be seen to outlive it, with room
      // for scheduling
      Duration ttl = Timing.max(timing.expiringTtl.multipliedBy(2), granularity.multipliedBy(3));
      WriteOptions options = WriteOptions.expiring(ttl);
      if (!supports(caps.expiringTtl(), options)) {
        return;
      }
      Store other = client();
      Duration first = ttl.multipliedBy(6).dividedBy(10);
      store.put(key("x"), utf8("1"), options);
      Waits.holdsFor(first, "expiring key before its TTL", () -> other.exists(key("x")));
      store.put(key("x"), utf8("2"), options);
      Waits.holdsFor(
          first.plus(granularity),
          "expiring key past its first write's TTL",
          () -> other.exists(key("x")));
      Waits.within(ttl.plus(granularity).plus(timing.slack)).until(() -> !other.exists(key("x")));
    }

    @Test
    @DisplayName("ttl(d) with keep-alive off: an expiring key outlives its writer's close")
    void expiringKeyOutlivesWriterClose() {
      if (!supports(caps.expiringTtl(), expiring())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("x"), V, expiring());
      writer.close();
      assertSeesWrite(other, key("x"));
      Waits.within(timing.expiringGone).until(() -> !other.exists(key("x")));
    }

    @Test
    @Tag("core")
    @DisplayName(
        "A plain put over a TTL key replaces the key's lifetime atomically (it becomes a plain key): ephemeral")
    void plainPutOverEphemeralMakesItPlain() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("k"), utf8("ephemeral"), ephemeral());
      writer.put(key("witness"), V, ephemeral());
      writer.put(key("k"), utf8("plain"));
      writer.close();
      Waits.within(timing.promptly).until(() -> !other.exists(key("witness")));
      Waits.holdsFor(
          timing.ephemeralGone,
          "plain key written over an ephemeral one",
          () -> other.exists(key("k")));
      assertThat(other.get(key("k")).valueAsString()).isEqualTo("plain");
    }

    @Test
    @DisplayName(
        "A plain put over a TTL key replaces the key's lifetime atomically (it becomes a plain key): expiring")
    void plainPutOverExpiringMakesItPlain() {
      if (!supports(caps.expiringTtl(), expiring())) {
        return;
      }
      store.put(key("k"), utf8("expiring"), expiring());
      store.put(key("k"), utf8("plain"));
      Waits.holdsFor(
          timing.expiringGone,
          "plain key written over an expiring one",
          () -> store.exists(key("k")));
      assertThat(store.get(key("k")).valueAsString()).isEqualTo("plain");
    }

    @Test
    @DisplayName(
        "A TTL below what the backend can honour (its Capabilities minimum) is rejected with a clear error — never silently rounded up")
    void ttlBelowMinimumRejected() {
      Map<String, WriteOptions> below = new LinkedHashMap<>();
      Map<String, WriteOptions> atMinimum = new LinkedHashMap<>();
      if (caps.ephemeralTtl()) {
        below.put("ephemeral", WriteOptions.ephemeral(caps.minEphemeralTtl().dividedBy(2)));
        atMinimum.put("ephemeral", WriteOptions.ephemeral(caps.minEphemeralTtl()));
      }
      if (caps.expiringTtl()) {
        below.put("expiring", WriteOptions.expiring(caps.minExpiringTtl().dividedBy(2)));
        atMinimum.put("expiring", WriteOptions.expiring(caps.minExpiringTtl()));
      }
      Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
      below.forEach(
          (meaning, options) -> {
            calls.put("put " + meaning, () -> store.put(key(meaning), V, options));
            calls.put(
                "atomicPut " + meaning, () -> store.atomicPut(key(meaning), V, null, options));
          });
      if (caps.ephemeralTtl()) {
        LockOptions shortLock =
            LockOptions.builder().ttl(caps.minEphemeralTtl().dividedBy(2)).build();
        calls.put("newLock", () -> store.newLock(key("lock"), shortLock));
      }
      assertEachThrows(TtlTooShortException.class, "below the minimum TTL", calls)
          .forEach(
              (op, e) -> {
                assertThat(e.requested()).as(op).isLessThan(e.minimum());
                assertThat(e.minimum()).as(op).isIn(caps.minEphemeralTtl(), caps.minExpiringTtl());
              });
      assertNothingWritten();
      atMinimum.forEach(
          (meaning, options) -> {
            store.put(key(meaning), V, options);
            store.delete(key(meaning));
          });
    }

    @Test
    @DisplayName(
        "A backend that cannot honour one of the two says so in Capabilities and throws CallNotSupportedException — never silently does something else")
    void unsupportedMeaningThrows() {
      if (supports(caps.ephemeralTtl(), ephemeral())) {
        store.put(key("ephemeral"), V, ephemeral());
        assertThat(store.exists(key("ephemeral"))).isTrue();
      }
      if (supports(caps.expiringTtl(), expiring())) {
        store.put(key("expiring"), V, expiring());
        assertThat(store.exists(key("expiring"))).isTrue();
      }
    }

    @Test
    @DisplayName(
        "atomicPut honours the TTL meanings: an ephemeral create goes when its writer closes")
    void atomicPutWithTtl() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      KVPair p = writer.atomicPut(key("e"), V, null, ephemeral());
      writer.atomicPut(key("e"), utf8("again"), p, ephemeral());
      writer.close();
      Waits.within(timing.promptly).until(() -> !other.exists(key("e")));
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("watch(key)")
  class WatchKey {
    @Test
    @Tag("core")
    @DisplayName("First event: the current state (present with its pair, or absent)")
    void firstEventIsCurrentState() throws Exception {
      store.put(key("present"), utf8("v"));
      KVPair p = store.get(key("present"));
      try (Watch<KeyEvent> w = store.watch("/" + key("present") + "/")) {
        KeyEvent e = next(w);
        assertThat(e.type()).isEqualTo(EventType.CURRENT);
        assertThat(e.key()).isEqualTo(key("present"));
        assertThat(e.pair()).contains(p);
        assertThat(e.index()).isGreaterThanOrEqualTo(p.lastIndex());
      }
      try (Watch<KeyEvent> w = store.watch(key("absent"))) {
        KeyEvent e = next(w);
        assertThat(e.type()).isEqualTo(EventType.ABSENT);
        assertThat(e.key()).isEqualTo(key("absent"));
        assertThat(e.pair()).isEmpty();
        assertThat(e.exists()).isFalse();
      }
    }

    @Test
    @Tag("core")
    @DisplayName("Then an event after each change, in index order, never going backwards")
    void eventAfterEachChangeInIndexOrder() throws Exception {
      String k = key("k");
      store.put(k, utf8("v0"));
      Store writer = client();
      try (Watch<KeyEvent> w = store.watch(k)) {
        assertThat(value(next(w))).isEqualTo("v0");
        for (int i = 1; i <= 20; i++) {
          writer.put(k, utf8("v" + i));
        }
        List<KeyEvent> events = Waits.until(w, e -> "v20".equals(value(e)), timing.operation);
        assertThat(events).allSatisfy(e -> assertThat(e.type()).isEqualTo(EventType.PUT));
        assertIndexesIncrease(events, true);
        List<String> values =
            events.stream().map(StoreCompatibilityKit::value).collect(Collectors.toList());
        if (caps.everyRevisionWatch()) {
          assertThat(values)
              .containsExactlyElementsOf(
                  IntStream.rangeClosed(1, 20).mapToObj(i -> "v" + i).collect(Collectors.toList()));
        } else {
          assertThat(values)
              .isSortedAccordingTo(
                  (a, b) ->
                      Integer.compare(
                          Integer.parseInt(a.substring(1)), Integer.parseInt(b.substring(1))));
        }
        Waits.quiet(w, timing.promptly);
      }
    }

    @Test
    @DisplayName(
        "The latest state is never lost: a burst of 1,000 writes ends with the final value delivered, indexes never going backwards")
    void burstEndsWithFinalValue() throws Exception {
      String k = key("k");
      Store writer = client();
      // a small buffer forces coalescing on every backend
      try (Watch<KeyEvent> w = store.watch(k, WatchOptions.builder().bufferSize(8).build())) {
        assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
        for (int i = 0; i < 1000; i++) {
          writer.put(k, utf8("v" + i));
        }
        List<KeyEvent> events = Waits.until(w, e -> "v999".equals(value(e)), timing.operation);
        assertIndexesIncrease(events, true);
        assertThat(events.get(events.size() - 1).index()).isEqualTo(store.get(k).lastIndex());
        Waits.quiet(w, timing.promptly);
      }
    }

    @Test
    @DisplayName("A watch on an absent key sees it created")
    void absentKeySeenCreated() throws Exception {
      try (Watch<KeyEvent> w = store.watch(key("later"))) {
        KeyEvent first = next(w);
        assertThat(first.type()).isEqualTo(EventType.ABSENT);
        client().put(key("later"), utf8("here"));
        KeyEvent created = next(w);
        assertThat(created.type()).isEqualTo(EventType.PUT);
        assertThat(value(created)).isEqualTo("here");
        assertThat(created.pair().orElseThrow().key()).isEqualTo(key("later"));
        assertThat(created.index()).isEqualTo(store.get(key("later")).lastIndex());
      }
    }

    @Test
    @DisplayName("Deletes are typed: DELETE, without a pair, at a later index")
    void deletesAreTyped() throws Exception {
      store.put(key("k"), V);
      try (Watch<KeyEvent> w = store.watch(key("k"))) {
        KeyEvent current = next(w);
        store.delete(key("k"));
        KeyEvent deleted = next(w);
        assertThat(deleted.type()).isEqualTo(EventType.DELETE);
        assertThat(deleted.pair()).isEmpty();
        assertThat(deleted.key()).isEqualTo(key("k"));
        assertThat(deleted.index()).isGreaterThan(current.index());
        store.put(key("k"), V);
        assertThat(next(w).type()).isEqualTo(EventType.PUT);
        store.deleteTree(prefix);
        assertThat(next(w).type()).isEqualTo(EventType.DELETE);
      }
    }

    @Test
    @DisplayName(
        "An expiring key's expiry and an ephemeral key's removal at its writer's close are DELETE events")
    void expiryAndCloseAreDeletes() throws Exception {
      Store writer = client();
      List<String> keys = new ArrayList<>();
      if (caps.expiringTtl()) {
        writer.put(key("expiring"), V, expiring());
        keys.add(key("expiring"));
      }
      if (caps.ephemeralTtl()) {
        writer.put(key("ephemeral"), V, ephemeral());
        keys.add(key("ephemeral"));
      }
      List<Watch<KeyEvent>> watches = new ArrayList<>();
      try {
        for (String k : keys) {
          Watch<KeyEvent> w = store.watch(k);
          watches.add(w);
          assertThat(next(w).type()).isEqualTo(EventType.CURRENT);
        }
        writer.close();
        Duration bound =
            timing.operation.plus(Timing.max(timing.expiringGone, timing.ephemeralGone));
        for (Watch<KeyEvent> w : watches) {
          KeyEvent e = Waits.next(w, bound);
          assertThat(e.type()).as("event of %s", w).isEqualTo(EventType.DELETE);
          assertThat(e.pair()).isEmpty();
        }
      } finally {
        watches.forEach(Watch::close);
      }
    }

    @Test
    @DisplayName(
        "A watch resumed from an index (WatchOptions.fromIndex) sees what happened since, and nothing when nothing did")
    void resumedFromIndex() throws Exception {
      String k = key("k");
      store.put(k, utf8("v1"));
      long from;
      try (Watch<KeyEvent> w = store.watch(k)) {
        from = next(w).index();
      }
      try (Watch<KeyEvent> w = store.watch(k, WatchOptions.fromIndex(from))) {
        Waits.quiet(w, timing.promptly);
      }
      store.put(k, utf8("v2"));
      store.put(k, utf8("v3"));
      store.delete(k);
      try (Watch<KeyEvent> w = store.watch(k, WatchOptions.fromIndex(from))) {
        List<KeyEvent> events = Waits.until(w, e -> e.type() == EventType.DELETE, timing.operation);
        assertThat(events).allSatisfy(e -> assertThat(e.index()).isGreaterThan(from));
        assertIndexesIncrease(events, true);
        if (caps.everyRevisionWatch()) {
          assertThat(events)
              .extracting(KeyEvent::type)
              .containsExactly(EventType.PUT, EventType.PUT, EventType.DELETE);
          assertThat(events)
              .extracting(StoreCompatibilityKit::value)
              .containsExactly("v2", "v3", null);
        }
        Waits.quiet(w, timing.promptly);
      }
    }

    @Test
    @DisplayName(
        "If the history it needs is gone (compaction), it re-reads and delivers the current state (RESYNC)")
    void resumedPastCompactionResyncs() throws Exception {
      String k = key("k");
      store.put(k, utf8("v1"));
      long from = store.get(k).lastIndex();
      store.put(k, utf8("v2"));
      faults().compactHistory(store);
      KVPair current = store.get(k);
      try (Watch<KeyEvent> w = store.watch(k, WatchOptions.fromIndex(from))) {
        KeyEvent resync = next(w);
        assertThat(resync.type()).isEqualTo(EventType.RESYNC);
        assertThat(resync.pair()).contains(current);
        assertThat(resync.index()).isGreaterThanOrEqualTo(current.lastIndex());
        store.delete(k);
        KeyEvent deleted = next(w);
        assertThat(deleted.type()).isEqualTo(EventType.DELETE);
        assertThat(deleted.index()).isGreaterThan(resync.index());
      }
    }

    @Test
    @DisplayName("close() stops it and frees its resources (watch channels and threads)")
    void closeFreesResources() throws Exception {
      String k = key("k");
      // a backend may set up per-store machinery on its first watch; that is freed by store close
      store.watch(k).close();
      store.watchTree(prefix).close();
      LeakCheck.Snapshot before = LeakCheck.Snapshot.take();
      Watch<KeyEvent> keyWatch = store.watch(k);
      Watch<TreeEvent> treeWatch = store.watchTree(prefix);
      BlockingQueue<KeyEvent> heard = new LinkedBlockingQueue<>();
      Subscription listening = store.watch(k, WatchOptions.DEFAULT, heard::add, executor());
      Watch<KeyEvent> survivor = store.watch(k);
      next(keyWatch);
      next(treeWatch);
      next(survivor);
      assertThat(heard.poll(timing.operation.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
      assertThat(LeakProbe.openChannels()).isGreaterThanOrEqualTo(before.channels + 4);
      keyWatch.close();
      treeWatch.close();
      listening.close();
      keyWatch.close(); // idempotent
      store.put(k, V);
      // the other watch of the same key goes on
      assertThat(next(survivor).type()).isEqualTo(EventType.PUT);
      survivor.close();
      before.assertRestored(timing.slack, StoreCompatibilityKit.this::isServerThread);
      assertThat(keyWatch.isOpen()).isFalse();
      assertThat(keyWatch.done()).isCompleted();
      assertThatIllegalStateException().isThrownBy(keyWatch::take);
      assertThat(treeWatch.iterator().hasNext()).isFalse();
    }

    @Test
    @DisplayName("Events can also go to a listener on an executor, one at a time and in order")
    void listenerReceivesEventsInOrder() throws Exception {
      String k = key("k");
      BlockingQueue<KeyEvent> heard = new LinkedBlockingQueue<>();
      AtomicInteger concurrent = new AtomicInteger();
      AtomicBoolean overlapped = new AtomicBoolean();
      WatchListener<KeyEvent> listener =
          e -> {
            if (concurrent.incrementAndGet() > 1) {
              overlapped.set(true);
            }
            heard.add(e);
            concurrent.decrementAndGet();
          };
      Subscription s = store.watch(k, WatchOptions.DEFAULT, listener, executor());
      try {
        for (int i = 0; i < 10; i++) {
          store.put(k, utf8("v" + i));
        }
        List<KeyEvent> events = new ArrayList<>();
        while (events.isEmpty() || !"v9".equals(value(events.get(events.size() - 1)))) {
          KeyEvent e = heard.poll(timing.operation.toMillis(), TimeUnit.MILLISECONDS);
          assertThat(e).as("event after %s", events).isNotNull();
          events.add(e);
        }
        assertThat(events.get(0).type()).isEqualTo(EventType.ABSENT);
        assertIndexesIncrease(events.subList(1, events.size()), true);
        assertThat(overlapped).isFalse();
      } finally {
        s.close();
      }
    }

    @Test
    @DisplayName("A watch survives a reconnect by resuming from the last index it delivered")
    void survivesReconnect() throws Exception {
      String k = key("k");
      Store watcher = client();
      Store writer = client();
      writer.put(k, utf8("v1"));
      try (Watch<KeyEvent> w = watcher.watch(k)) {
        KeyEvent first = next(w);
        assertThat(value(first)).isEqualTo("v1");
        cutOff(watcher);
        writer.put(k, utf8("v2"));
        reconnect(watcher);
        writer.put(k, utf8("v3"));
        List<KeyEvent> events = Waits.until(w, e -> "v3".equals(value(e)), timing.operation);
        assertIndexesIncrease(events, true);
        assertThat(events).allSatisfy(e -> assertThat(e.index()).isGreaterThan(first.index()));
        if (caps.everyRevisionWatch()) {
          assertThat(events).extracting(StoreCompatibilityKit::value).contains("v2");
        }
        assertThat(w.isOpen()).isTrue();
      }
    }
  }

  /** Asserts indexes go up from event to event ({@code strictly}) or at least never down. */
  private static void assertIndexesIncrease(List<KeyEvent> events, boolean strictly) {
    for (int i = 1; i < events.size(); i++) {
      long before = events.get(i - 1).index();
      long after = events.get(i).index();
      if (strictly) {
        assertThat(after).as("index of event %d of %s", i, events).isGreaterThan(before);
      } else {
        assertThat(after).as("index of event %d of %s", i, events).isGreaterThanOrEqualTo(before);
      }
    }
  }

  /** Asserts a tree event is consistent: pairs sorted, below the directory, changes typed. */
  private static void assertWellFormed(TreeEvent e) {
    List<String> keys = keysOf(e.pairs());
    assertThat(keys)
        .as("pairs of %s", e)
        .isSortedAccordingTo(StoreCompatibilityKit::compareUtf8Bytes)
        .doesNotHaveDuplicates();
    assertThat(keys)
        .allSatisfy(
            k ->
                assertThat(Keys.isBelow(k, e.directory()))
                    .as("%s below %s", k, e.directory())
                    .isTrue());
    for (TreeEvent.Change c : e.changes()) {
      assertThat(Keys.isBelow(c.key(), e.directory())).isTrue();
      if (c.type() == EventType.PUT) {
        assertThat(c.pair()).isPresent();
        assertThat(e.pairs()).as("pairs of %s after %s", e, c).contains(c.pair().orElseThrow());
      } else {
        assertThat(c.type()).isEqualTo(EventType.DELETE);
        assertThat(keys).as("pairs of %s after %s", e, c).doesNotContain(c.key());
      }
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("watchTree(dir)")
  class WatchTree {
    @Test
    @Tag("core")
    @DisplayName(
        "Each event is the full sorted list of pairs below dir after a change (as in Go libkv) with what changed")
    void eventsAreFullSortedListsWithChanges() throws Exception {
      String dir = key("d");
      store.put(dir + "/c", utf8("c"));
      store.put(dir + "/a", utf8("a"));
      try (Watch<TreeEvent> w = store.watchTree(dir)) {
        TreeEvent first = next(w);
        assertThat(first.type()).isEqualTo(EventType.CURRENT);
        assertThat(first.directory()).isEqualTo(dir);
        assertThat(first.changes()).isEmpty();
        assertThat(first.pairs()).containsExactlyElementsOf(store.list(dir));

        store.put(dir + "/b/deep", utf8("b"));
        TreeEvent put = next(w);
        assertWellFormed(put);
        assertThat(put.type()).isEqualTo(EventType.PUT);
        assertThat(put.pairs()).containsExactlyElementsOf(store.list(dir));
        assertThat(put.changes()).containsExactly(TreeEvent.Change.put(store.get(dir + "/b/deep")));
        assertThat(put.index()).isEqualTo(store.get(dir + "/b/deep").lastIndex());

        store.delete(dir + "/a");
        TreeEvent deleted = next(w);
        assertWellFormed(deleted);
        assertThat(deleted.type()).isEqualTo(EventType.DELETE);
        assertThat(keysOf(deleted.pairs())).containsExactly(dir + "/b/deep", dir + "/c");
        assertThat(deleted.changes()).containsExactly(TreeEvent.Change.delete(dir + "/a"));
        assertThat(deleted.index()).isGreaterThan(put.index());

        store.deleteTree(dir);
        List<TreeEvent> events = Waits.until(w, e -> e.pairs().isEmpty(), timing.operation);
        events.forEach(StoreCompatibilityKit::assertWellFormed);
        assertThat(events.stream().flatMap(e -> e.changes().stream()).collect(Collectors.toList()))
            .extracting(TreeEvent.Change::key, TreeEvent.Change::type)
            .containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(dir + "/b/deep", EventType.DELETE),
                org.assertj.core.groups.Tuple.tuple(dir + "/c", EventType.DELETE));
      }
    }

    @Test
    @DisplayName("Pairs and changes are sorted by key in UTF-8 byte order, non-ASCII keys included")
    void treeEventsSortedByUtf8Bytes() throws Exception {
      String dir = key("d");
      List<String> names = new ArrayList<>(List.of("b", "a", "Z", "a-b", "a.b"));
      names.addAll(nonAsciiSamples());
      try (Watch<TreeEvent> w = store.watchTree(dir)) {
        next(w);
        Map<String, byte[]> batch = new HashMap<>();
        names.forEach(n -> batch.put(dir + "/" + n, utf8(n)));
        store.putAll(batch);
        TreeEvent last =
            Waits.until(w, e -> e.pairs().size() == names.size(), timing.operation).stream()
                .reduce((a, b) -> b)
                .orElseThrow();
        assertWellFormed(last);
        assertThat(keysOf(last.pairs()))
            .containsExactlyElementsOf(
                names.stream()
                    .map(n -> dir + "/" + n)
                    .sorted(StoreCompatibilityKit::compareUtf8Bytes)
                    .collect(Collectors.toList()));
        assertThat(last.changes())
            .extracting(TreeEvent.Change::key)
            .isSortedAccordingTo(StoreCompatibilityKit::compareUtf8Bytes);
      }
    }

    @Test
    @Tag("core")
    @DisplayName("A directory that does not exist yet is watched as an empty list")
    void directoryNotYetExisting() throws Exception {
      String dir = key("later");
      try (Watch<TreeEvent> w = store.watchTree(dir)) {
        TreeEvent first = next(w);
        assertThat(first.type()).isEqualTo(EventType.ABSENT);
        assertThat(first.pairs()).isEmpty();
        assertThat(first.changes()).isEmpty();
        client().put(dir + "/x/y", V);
        TreeEvent created = next(w);
        assertWellFormed(created);
        assertThat(created.type()).isEqualTo(EventType.PUT);
        assertThat(keysOf(created.pairs())).containsExactly(dir + "/x/y");
      }
    }

    @Test
    @DisplayName(
        "An ABSENT first event carries the store's current index where the backend has one, else 0")
    void absentEventCarriesCurrentIndex() throws Exception {
      store.put(key("elsewhere"), V);
      long written = store.get(key("elsewhere")).lastIndex();
      try (Watch<TreeEvent> w = store.watchTree(key("missing"))) {
        TreeEvent first = next(w);
        assertThat(first.type()).isEqualTo(EventType.ABSENT);
        assertThat(first.index() == 0 || first.index() >= written)
            .as("index %d of %s: 0 or at least %d", first.index(), first, written)
            .isTrue();
      }
    }

    @Test
    @DisplayName(
        "The latest state is never lost: after a burst of writes and deletes, the last event's pairs are the directory's")
    void treeBurstEndsWithFinalState() throws Exception {
      String dir = key("d");
      Store writer = client();
      try (Watch<TreeEvent> w =
          store.watchTree(dir, WatchOptions.builder().bufferSize(4).build())) {
        assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
        for (int i = 0; i < 500; i++) {
          String k = dir + "/k" + i % 10;
          if (i % 7 == 3) {
            writer.delete(k);
          } else {
            writer.put(k, utf8("v" + i));
          }
        }
        writer.put(dir + "/last", V);
        List<KVPair> expected = store.list(dir);
        List<TreeEvent> events = Waits.until(w, e -> e.pairs().equals(expected), timing.operation);
        events.forEach(StoreCompatibilityKit::assertWellFormed);
        for (int i = 1; i < events.size(); i++) {
          assertThat(events.get(i).index()).isGreaterThan(events.get(i - 1).index());
        }
        Waits.quiet(w, timing.promptly);
      }
    }

    @Test
    @DisplayName(
        "A watched directory matches on segment boundaries, and does not hold the key dir itself")
    void segmentBoundariesAndDirItself() throws Exception {
      String dir = key("app");
      try (Watch<TreeEvent> w = store.watchTree(dir)) {
        assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
        store.put(key("apple"), V);
        store.put(key("app-x"), V);
        store.put(dir, V);
        store.put(dir + "/x", V);
        TreeEvent e = next(w);
        assertThat(keysOf(e.pairs())).containsExactly(dir + "/x");
        assertThat(e.changes()).extracting(TreeEvent.Change::key).containsExactly(dir + "/x");
        Waits.quiet(w, timing.promptly);
      }
    }

    @Test
    @DisplayName("A tree watch resumed from an index sees what happened since")
    void treeResumedFromIndex() throws Exception {
      String dir = key("d");
      store.put(dir + "/a", V);
      long from;
      try (Watch<TreeEvent> w = store.watchTree(dir)) {
        from = next(w).index();
      }
      store.put(dir + "/b", V);
      store.delete(dir + "/a");
      try (Watch<TreeEvent> w = store.watchTree(dir, WatchOptions.fromIndex(from))) {
        List<TreeEvent> events =
            Waits.until(w, e -> keysOf(e.pairs()).equals(List.of(dir + "/b")), timing.operation);
        events.forEach(StoreCompatibilityKit::assertWellFormed);
        assertThat(events).allSatisfy(e -> assertThat(e.index()).isGreaterThan(from));
        assertThat(events.stream().flatMap(e -> e.changes().stream()).map(TreeEvent.Change::key))
            .contains(dir + "/b", dir + "/a");
        Waits.quiet(w, timing.promptly);
      }
    }

    @Test
    @DisplayName(
        "A tree watch resumed past compacted history re-reads the directory (RESYNC with the full sorted list)")
    void treeResumedPastCompactionResyncs() throws Exception {
      String dir = key("d");
      store.put(dir + "/a", V);
      long from = store.get(dir + "/a").lastIndex();
      store.put(dir + "/b", V);
      store.delete(dir + "/a");
      faults().compactHistory(store);
      try (Watch<TreeEvent> w = store.watchTree(dir, WatchOptions.fromIndex(from))) {
        TreeEvent resync = next(w);
        assertWellFormed(resync);
        assertThat(resync.type()).isEqualTo(EventType.RESYNC);
        assertThat(resync.pairs()).containsExactlyElementsOf(store.list(dir));
        store.put(dir + "/c", V);
        TreeEvent put = next(w);
        assertThat(put.type()).isEqualTo(EventType.PUT);
        assertThat(keysOf(put.pairs())).containsExactly(dir + "/b", dir + "/c");
      }
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("Watch index order")
  class WatchIndexOrder {
    @Test
    @Tag("slow")
    @DisplayName(
        "Across a cut connection, every event of a key or tree watch has an index >= the previous one's, RESYNC included (RESET alone may go back, and a cut restarts no history)")
    void indexesNeverGoBackAcrossACut() throws Exception {
      Store watcher = client();
      Store writer = client();
      String a = key("a");
      String b = key("b");
      writer.put(a, utf8("a0"));
      writer.put(b, utf8("b0"));
      List<Seen> treeSeen = new ArrayList<>();
      List<Seen> keySeen = new ArrayList<>();
      try (Watch<TreeEvent> tree = watcher.watchTree(prefix);
          Watch<KeyEvent> keyWatch = watcher.watch(a)) {
        // updates of existing keys: the tree's newest index is its keys', above its directory's
        for (int i = 1; i <= 3; i++) {
          writer.put(a, utf8("a" + i));
          writer.put(b, utf8("b" + i));
        }
        takeUntil(tree, treeSeen, e -> holds(e, a, "a3") && holds(e, b, "b3"), timing.operation);
        takeUntil(keyWatch, keySeen, e -> "a3".equals(value(e)), timing.operation);
        cutOff(watcher);
        writer.put(b, utf8("b-cut"));
        // the fault is a cut that lasts, not a blip: the watcher's connections stay down meanwhile
        Thread.sleep(timing.slack.toMillis());
        reconnect(watcher);
        writer.put(b, utf8("b-end"));
        writer.put(a, utf8("a-end"));
        takeUntil(
            tree, treeSeen, e -> holds(e, a, "a-end") && holds(e, b, "b-end"), timing.operation);
        takeUntil(keyWatch, keySeen, e -> "a-end".equals(value(e)), timing.operation);
        // a re-read may come after the live events it raced with: take what is still due
        takeFor(tree, treeSeen, timing.promptly);
        takeFor(keyWatch, keySeen, timing.promptly);
      }
      assertNeverBack("tree watch of " + prefix, treeSeen);
      assertNeverBack("key watch of " + a, keySeen);
    }

    @Test
    @DisplayName(
        "Writes racing key and tree watches, and watches reopened from the last index they delivered, never see an index go backwards")
    void indexesNeverGoBackWithRacingWritesAndReopens() throws Exception {
      Store writer = client();
      String a = key("a");
      Background<Void> writes =
          inThread(
              "kit-racing-writer",
              () -> {
                for (int i = 0; i < 30; i++) {
                  writer.put(a, utf8("a" + i));
                  writer.put(key("d/" + i % 3), utf8("d" + i));
                  if (i % 10 == 9) {
                    writer.deleteTree(key("d")); // several keys in one write
                  }
                }
                writer.put(a, utf8("end"));
                return null;
              });
      List<Seen> treeSeen = new ArrayList<>();
      List<Seen> keySeen = new ArrayList<>();
      boolean treeEnded = false;
      boolean keyEnded = false;
      long deadline = System.nanoTime() + timing.operation.multipliedBy(3).toNanos();
      while (!(treeEnded && keyEnded)) {
        assertThat(System.nanoTime())
            .as(
                "both watches saw the last write within %s; tree %s, key %s",
                timing.operation.multipliedBy(3), treeSeen, keySeen)
            .isLessThan(deadline);
        // each round resumes where the last one stopped, as a consumer that reopens its watch would
        try (Watch<TreeEvent> tree = store.watchTree(prefix, resumeAfter(treeSeen));
            Watch<KeyEvent> keyWatch = store.watch(a, resumeAfter(keySeen))) {
          for (TreeEvent e : take(tree, treeSeen, 3)) {
            treeEnded |= holds(e, a, "end");
          }
          for (KeyEvent e : take(keyWatch, keySeen, 3)) {
            keyEnded |= "end".equals(value(e));
          }
        }
      }
      join(writes);
      assertNeverBack("tree watch of " + prefix + ", reopened", treeSeen);
      assertNeverBack("key watch of " + a + ", reopened", keySeen);
    }

    /** One event as recorded: its type and index, shown as {@code PUT@73}. */
    private record Seen(EventType type, long index, long resumedFrom) {
      @Override
      public String toString() {
        return (resumedFrom > 0 ? "(from " + resumedFrom + ") " : "") + type + "@" + index;
      }
    }

    private WatchOptions resumeAfter(List<Seen> seen) {
      return seen.isEmpty()
          ? WatchOptions.DEFAULT
          : WatchOptions.fromIndex(seen.get(seen.size() - 1).index);
    }

    private Seen seen(Object event, long resumedFrom) {
      if (event instanceof KeyEvent k) {
        return new Seen(k.type(), k.index(), resumedFrom);
      }
      TreeEvent t = (TreeEvent) event;
      return new Seen(t.type(), t.index(), resumedFrom);
    }

    private <E> void takeUntil(
        Watch<E> w, List<Seen> seen, java.util.function.Predicate<E> p, Duration bound)
        throws InterruptedException {
      List<E> events = new ArrayList<>();
      try {
        Waits.until(w, p, bound, events);
      } finally {
        events.forEach(e -> seen.add(seen(e, 0)));
      }
    }

    private <E> void takeFor(Watch<E> w, List<Seen> seen, Duration period)
        throws InterruptedException {
      long end = System.nanoTime() + period.toNanos();
      for (long left = period.toNanos(); left > 0; left = end - System.nanoTime()) {
        Optional<E> e = w.poll(Duration.ofNanos(left));
        if (e.isEmpty()) {
          return;
        }
        seen.add(seen(e.get(), 0));
      }
    }

    /** Takes up to {@code n} events, each due promptly (a resumed watch may have none). */
    private <E> List<E> take(Watch<E> w, List<Seen> seen, int n) throws InterruptedException {
      long from = seen.isEmpty() ? 0 : seen.get(seen.size() - 1).index;
      List<E> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Optional<E> e = w.poll(timing.promptly);
        if (e.isEmpty()) {
          break;
        }
        out.add(e.get());
        seen.add(seen(e.get(), i == 0 ? from : 0));
      }
      return out;
    }

    private boolean holds(TreeEvent e, String key, String value) {
      return e.pairs().stream()
          .anyMatch(p -> p.key().equals(key) && p.valueAsString().equals(value));
    }

    /**
     * Asserts each index is >= the one before; none of these faults restarts a history, so no
     * RESET.
     */
    private void assertNeverBack(String what, List<Seen> seen) {
      assertThat(seen)
          .as("events of the %s", what)
          .isNotEmpty()
          .noneSatisfy(s -> assertThat(s.type).isEqualTo(EventType.RESET));
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i).index)
            .as("index of event %d of the %s, after %s: %s", i, what, seen.get(i - 1), seen)
            .isGreaterThanOrEqualTo(seen.get(i - 1).index);
      }
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("Locks")
  class Locks {
    @Test
    @Tag("core")
    @DisplayName(
        "At most one holder per key; fencing tokens strictly increase across successive holders (8 threads x 100 acquisitions)")
    void atMostOneHolder() throws Exception {
      int threads = 8;
      int rounds = 100;
      String k = key("lock");
      List<Store> stores = new ArrayList<>();
      for (int i = 0; i < threads / 2; i++) {
        stores.add(client());
      }
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      List<Long> tokens = Collections.synchronizedList(new ArrayList<>());
      Waits.inParallel(
          threads,
          timing.operation.multipliedBy(12),
          i -> {
            Store s = i < stores.size() ? stores.get(i) : store; // half the threads share a client
            String value = "holder-" + i;
            Lock lock = s.newLock(k, lockOptions(value));
            for (int r = 0; r < rounds; r++) {
              try (LockLease lease = lock.lock()) {
                if (inside.incrementAndGet() != 1) {
                  overlaps.incrementAndGet();
                }
                tokens.add(lease.fencingToken());
                if (r % 10 == 0) {
                  assertThat(s.get(k).valueAsString()).isEqualTo(value);
                }
                Thread.yield();
                inside.decrementAndGet();
              }
            }
          });
      assertThat(overlaps).hasValue(0);
      assertThat(tokens).hasSize(threads * rounds);
      for (int i = 1; i < tokens.size(); i++) {
        assertThat(tokens.get(i))
            .as("fencing token of holder %d", i)
            .isGreaterThan(tokens.get(i - 1));
      }
      assertThat(store.exists(k)).isFalse();
    }

    @Test
    @Tag("core")
    @DisplayName(
        "While held, the key holds the lock's value (get returns it); after unlock the key is gone")
    void valueWhileHeldGoneAfterUnlock() throws Exception {
      String k = key("lock");
      Store other = client();
      try (Watch<KeyEvent> w = other.watch(k)) {
        assertThat(next(w).type()).isEqualTo(EventType.ABSENT);
        LockLease lease = store.newLock(k, lockOptions("mine")).lock();
        assertThat(lease.key()).isEqualTo(k);
        assertThat(lease.isHeld()).isTrue();
        assertSeesWrite(other, k);
        assertThat(other.get(k).valueAsString()).isEqualTo("mine");
        assertThat(value(Waits.until(w, e -> e.exists(), timing.operation, new ArrayList<>())))
            .isEqualTo("mine");
        lease.close();
        assertThat(lease.isHeld()).isFalse();
        assertThat(lease.lost()).isNotDone();
        Waits.within(timing.promptly).until(() -> !other.exists(k));
        assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> store.get(k));
        assertThat(Waits.until(w, e -> !e.exists(), timing.operation, new ArrayList<>()).type())
            .isEqualTo(EventType.DELETE);
        lease.close(); // idempotent
      }
    }

    @Test
    @Tag("slow")
    @DisplayName("A lock with a TTL is kept alive by the holder")
    void keptAliveByHolder() throws Exception {
      String k = key("lock");
      Store other = client();
      try (LockLease lease = store.newLock(k, lockOptions("mine")).lock()) {
        Waits.holdsFor(
            timing.pastTwoTtls, "lock of a live holder", () -> lease.isHeld() && other.exists(k));
        assertThat(lease.lost()).isNotDone();
        assertThat(other.newLock(k, lockOptions("other")).tryLock(Duration.ZERO)).isEmpty();
        assertThat(other.get(k).valueAsString()).isEqualTo("mine");
      }
    }

    @Test
    @DisplayName(
        "If the holder is cut off, others can acquire within the TTL, and the holder's lost() completes before another holder is granted")
    void holderCutOff() throws Exception {
      String k = key("lock");
      Store holder = client();
      Store other = client();
      LockLease lease = holder.newLock(k, lockOptions("holder")).lock();
      cutOff(holder);
      Optional<LockLease> taken =
          other.newLock(k, lockOptions("other")).tryLock(timing.ephemeralGone);
      assertThat(taken).as("lock taken over within TTL + granularity + slack").isPresent();
      assertThat(lease.lost()).as("holder's lost() when another holder is granted").isDone();
      assertThat(lease.isHeld()).isFalse();
      assertThat(taken.get().fencingToken()).isGreaterThan(lease.fencingToken());
      assertThat(other.get(k).valueAsString()).isEqualTo("other");
      reconnect(holder);
      lease.close(); // a late unlock of a lost lock must not free the new holder's
      assertThat(taken.get().isHeld()).isTrue();
      assertThat(other.get(k).valueAsString()).isEqualTo("other");
      taken.get().close();
      // reconnected, the holder's store takes locks again
      try (LockLease again =
          holder.newLock(k, lockOptions("holder")).tryLock(timing.operation).orElseThrow()) {
        assertThat(again.fencingToken()).isGreaterThan(taken.get().fencingToken());
      }
    }

    @Test
    @DisplayName(
        "If the holder's session dies, others can acquire, and the holder's lost() completes")
    void holderSessionKilled() throws Exception {
      String k = key("lock");
      Store holder = client();
      Store other = client();
      Lock holderLock = holder.newLock(k, lockOptions("holder"));
      LockLease lease = holderLock.lock();
      faults().killSession(holder);
      Waits.within(timing.ephemeralGone).until(() -> lease.lost().isDone());
      assertThat(lease.isHeld()).isFalse();
      Optional<LockLease> taken =
          other.newLock(k, lockOptions("other")).tryLock(timing.ephemeralGone);
      assertThat(taken).isPresent();
      lease.close();
      assertThat(taken.get().isHeld()).isTrue();
      assertThat(other.get(k).valueAsString()).isEqualTo("other");
      // the holder's store goes on, and the same Lock can be taken again once free
      taken.get().close();
      try (LockLease again = holderLock.tryLock(timing.operation).orElseThrow()) {
        assertThat(again.fencingToken()).isGreaterThan(taken.get().fencingToken());
      }
    }

    @Test
    @DisplayName(
        "When the holder's store is closed, its lost() completes and others acquire at once")
    void holderStoreClosed() throws Exception {
      String k = key("lock");
      Store holder = client();
      Store other = client();
      LockLease lease = holder.newLock(k, lockOptions("holder")).lock();
      holder.close();
      assertThat(lease.lost()).succeedsWithin(timing.promptly);
      assertThat(other.newLock(k, lockOptions("other")).tryLock(timing.promptly)).isPresent();
    }

    @Test
    @DisplayName(
        "tryLock times out: it returns empty after its timeout (plus slack), and waiting never polls in a busy loop")
    void tryLockTimesOutWithoutBusyWaiting() throws Exception {
      String k = key("lock");
      Store other = client();
      LockLease held = store.newLock(k, lockOptions("holder")).lock();
      Lock contender = other.newLock(k, lockOptions("contender"));
      Duration timeout = Timing.max(timing.promptly, Duration.ofMillis(500));
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long cpuBefore = mx.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      Optional<LockLease> got = contender.tryLock(timeout);
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      long cpu = mx.getCurrentThreadCpuTime() - cpuBefore;
      assertThat(got).isEmpty();
      assertThat(waited).isBetween(timeout, timeout.plus(timing.slack));
      assertThat(Duration.ofNanos(cpu))
          .as("CPU time of a thread waiting %s for a lock", waited)
          .isLessThan(timeout.dividedBy(4));
      assertThat(held.isHeld()).isTrue();
      assertThat(contender.tryLock(Duration.ZERO)).isEmpty();
      held.close();
      // a free lock is taken without waiting
      try (LockLease taken = contender.tryLock(Duration.ZERO).orElseThrow()) {
        assertThat(taken.fencingToken()).isGreaterThan(held.fencingToken());
      }
    }

    @Test
    @DisplayName(
        "Waiting is cancellable: an interrupted lock() throws InterruptedException, and the lock stays acquirable")
    void waitingIsInterruptible() throws Exception {
      String k = key("lock");
      Store waiterStore = client();
      Lock waiterLock = waiterStore.newLock(k, lockOptions("waiter"));
      LockLease held = store.newLock(k, lockOptions("holder")).lock();
      Background<LockLease> waiting = inThread("kit-lock-waiter", waiterLock::lock);
      awaitBlocked(waiting);
      assertThat(waiting.result).isNotDone();
      waiting.thread.interrupt();
      assertThatThrownBy(() -> join(waiting)).hasCauseInstanceOf(InterruptedException.class);
      held.close();
      Store third = client();
      try (LockLease lease =
          third.newLock(k, lockOptions("third")).tryLock(timing.promptly).orElseThrow()) {
        assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
        assertThat(third.get(k).valueAsString()).isEqualTo("third");
      }
      // the interrupted Lock is not left busy
      try (LockLease lease = waiterLock.tryLock(timing.promptly).orElseThrow()) {
        assertThat(lease.isHeld()).isTrue();
        assertThat(waiterStore.get(k).valueAsString()).isEqualTo("waiter");
      }
    }

    @Test
    @DisplayName(
        "An interrupt at any moment of a wait, even while the queue entry is being written, leaves nothing "
            + "queued behind: a later contender takes the lock promptly once it is free")
    void interruptsAtAnyMomentLeaveNoQueueEntry() throws Exception {
      String k = key("lock");
      Store waiterStore = client();
      LockLease held = store.newLock(k, lockOptions("holder")).lock();
      java.util.Random random = new java.util.Random(7);
      for (int i = 0; i < 20; i++) {
        Lock waiterLock = waiterStore.newLock(k, lockOptions("waiter-" + i));
        Background<LockLease> waiting = inThread("kit-lock-waiter-" + i, waiterLock::lock);
        // from before the first store call to well inside the wait
        long nanos = random.nextInt(3_000_000);
        if (nanos > 0) {
          TimeUnit.NANOSECONDS.sleep(nanos);
        }
        waiting.thread.interrupt();
        try {
          LockLease got = join(waiting);
          got.close(); // cannot happen while the holder holds it, but never leak one
          throw new AssertionError("a waiter acquired a held lock");
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
        }
      }
      held.close();
      Store third = client();
      try (LockLease lease =
          third
              .newLock(k, lockOptions("third"))
              .tryLock(timing.promptly)
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "the lock stayed busy after every waiter was interrupted"))) {
        assertThat(lease.isHeld()).isTrue();
        assertThat(third.get(k).valueAsString()).isEqualTo("third");
      }
    }

    @Test
    @DisplayName(
        "Locks are not reentrant: a second lock() by a holder of the same Lock fails with IllegalStateException")
    void notReentrant() throws Exception {
      Lock lock = store.newLock(key("lock"), lockOptions("mine"));
      LockLease lease = lock.lock();
      assertThatIllegalStateException().isThrownBy(lock::lock);
      assertThatIllegalStateException().isThrownBy(() -> lock.tryLock(Duration.ZERO));
      assertThat(lease.isHeld()).isTrue();
      lease.close();
      try (LockLease again = lock.tryLock(timing.promptly).orElseThrow()) {
        assertThat(again.fencingToken()).isGreaterThan(lease.fencingToken());
      }
    }

    @Test
    @DisplayName(
        "Queues and bookkeeping live under _libkv/, so they never show up in list, list(\"\") or watches")
    void bookkeepingNeverShows() throws Exception {
      String dir = key("locks");
      String k = dir + "/lock";
      Store other = client();
      try (Watch<TreeEvent> rootWatch = store.watchTree("");
          Watch<TreeEvent> dirWatch = store.watchTree(dir)) {
        LockLease held = store.newLock(k, lockOptions("holder")).lock();
        // a waiter queues behind the holder
        Lock waiterLock = other.newLock(k, lockOptions("waiter"));
        Background<Optional<LockLease>> waiting =
            inThread("kit-lock-waiter", () -> waiterLock.tryLock(timing.operation));
        awaitBlocked(waiting);
        assertThat(keysOf(store.list(dir))).containsExactly(k);
        assertThat(keysOf(other.list(""))).noneMatch(StoreCompatibilityKit::isReserved);
        held.close();
        try (LockLease second = join(waiting).orElseThrow()) {
          assertThat(second.isHeld()).isTrue();
          assertThat(keysOf(other.list(dir))).containsExactly(k);
        }
        store.put(dir + "/end", V);
        List<TreeEvent> dirEvents =
            Waits.until(dirWatch, e -> keysOf(e.pairs()).contains(dir + "/end"), timing.operation);
        List<TreeEvent> rootEvents =
            Waits.until(rootWatch, e -> keysOf(e.pairs()).contains(dir + "/end"), timing.operation);
        for (TreeEvent e : concat(dirEvents, rootEvents)) {
          assertThat(keysOf(e.pairs())).noneMatch(StoreCompatibilityKit::isReserved);
          assertThat(e.changes())
              .extracting(TreeEvent.Change::key)
              .noneMatch(StoreCompatibilityKit::isReserved);
        }
        assertThat(dirEvents.stream().flatMap(e -> e.pairs().stream()).map(KVPair::key).distinct())
            .containsOnly(k, dir + "/end");
      }
    }

    @Test
    @DisplayName(
        "A lock's TTL below the backend's minimum ephemeral TTL is rejected (TtlTooShortException)")
    void lockTtlBelowMinimum() {
      LockOptions tooShort = LockOptions.builder().ttl(caps.minEphemeralTtl().dividedBy(2)).build();
      assertThatExceptionOfType(TtlTooShortException.class)
          .isThrownBy(() -> store.newLock(key("lock"), tooShort));
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("Locks and the user's data")
  class LocksAndUserData {
    /**
     * Asserts a lock on {@code k} through {@code s} is not granted, and the key keeps {@code
     * expected}.
     */
    private void assertCountsAsHeld(Store s, String k, String expected)
        throws InterruptedException {
      Duration timeout = Timing.max(timing.promptly, Duration.ofMillis(300));
      Optional<LockLease> got = s.newLock(k, lockOptions("lock")).tryLock(timeout);
      got.ifPresent(LockLease::close);
      assertThat(got).as("tryLock on a key holding %s", expected).isEmpty();
      assertThat(s.get(k).valueAsString())
          .as("value of the key after the lock timed out")
          .isEqualTo(expected);
    }

    /**
     * Starts {@code lock()} on {@code k} through {@code s} and asserts it keeps waiting for {@code
     * period}.
     */
    private Background<LockLease> waitingLock(Store s, String k, String value, Duration period) {
      Lock lock = s.newLock(k, lockOptions(value));
      Background<LockLease> waiting = inThread("kit-lock-waiter", lock::lock);
      awaitBlocked(waiting);
      Waits.holdsFor(
          period, "lock() of " + value + " still waiting", () -> !waiting.result.isDone());
      return waiting;
    }

    @Test
    @Tag("core")
    @DisplayName(
        "A lock never overwrites or deletes a value it did not write: a key holding a plain value counts as "
            + "held; tryLock times out, lock waits until the key is deleted")
    void plainValueCountsAsHeld() throws Exception {
      String k = key("cfg/db");
      Store other = client();
      store.put(k, utf8("user data"));
      assertCountsAsHeld(store, k, "user data");
      assertCountsAsHeld(other, k, "user data");
      Background<LockLease> waiting = waitingLock(other, k, "lock", timing.promptly);
      assertThat(store.get(k).valueAsString()).isEqualTo("user data");
      store.delete(k);
      try (LockLease lease = join(waiting)) {
        assertThat(lease.isHeld()).isTrue();
        assertThat(store.get(k).valueAsString()).isEqualTo("lock");
      }
      Waits.within(timing.promptly).until(() -> !store.exists(k));
    }

    @Test
    @DisplayName(
        "Unlock deletes only the lock's own write: a value put on the key while the lock is held survives "
            + "the unlock, and then counts as held")
    void putWhileHeldSurvivesUnlock() throws Exception {
      String k = key("lock");
      Store other = client();
      LockLease lease = store.newLock(k, lockOptions("lock")).lock();
      other.put(k, utf8("user data"));
      lease.close();
      assertThat(lease.isHeld()).isFalse();
      assertSeesWrite(store, k);
      assertThat(store.get(k).valueAsString())
          .as("the user's value after unlock")
          .isEqualTo("user data");
      assertThat(other.get(k).valueAsString()).isEqualTo("user data");
      assertCountsAsHeld(other, k, "user data");
    }

    @Test
    @DisplayName(
        "A lost lease's close() deletes nothing: a value put on the key after the loss survives it")
    void putAfterLossSurvivesClose() throws Exception {
      String k = key("lock");
      Store holder = client();
      Store other = client();
      LockLease lease = holder.newLock(k, lockOptions("holder")).lock();
      faults().killSession(holder);
      Waits.within(timing.ephemeralGone).until(() -> lease.lost().isDone());
      Waits.within(timing.ephemeralGone).until(() -> !other.exists(k));
      other.put(k, utf8("user data"));
      lease.close();
      assertSeesWrite(holder, k);
      assertThat(other.get(k).valueAsString())
          .as("the user's value after the lost lease's close()")
          .isEqualTo("user data");
      assertCountsAsHeld(holder, k, "user data");
    }

    @Test
    @DisplayName(
        "An ephemeral or expiring user key at the lock's path counts as held: the lock is granted only "
            + "once the key is gone, and then holds the lock's value")
    void ephemeralOrExpiringUserKeyCountsAsHeld() throws Exception {
      String k = key("ephemeral");
      Store writer = client();
      Store other = client();
      assertThat(caps.ephemeralTtl() || caps.expiringTtl())
          .as("backend supports a TTL key")
          .isTrue();
      if (caps.ephemeralTtl()) {
        writer.put(k, utf8("ephemeral data"), ephemeral());
        assertSeesWrite(other, k);
        assertCountsAsHeld(other, k, "ephemeral data");
        Background<LockLease> waiting = waitingLock(other, k, "lock", Duration.ZERO);
        writer.close(); // its ephemeral key goes with it
        try (LockLease lease = join(waiting)) {
          assertThat(other.get(k).valueAsString()).isEqualTo("lock");
          assertThat(lease.isHeld()).isTrue();
        }
      }
      if (caps.expiringTtl()) {
        String e = key("expiring");
        store.put(e, utf8("expiring data"), expiring());
        assertCountsAsHeld(other, e, "expiring data");
        Optional<LockLease> got =
            other.newLock(e, lockOptions("lock")).tryLock(timing.expiringGone);
        assertThat(got).as("lock once the expiring key expired").isPresent();
        try (LockLease lease = got.get()) {
          assertThat(lease.isHeld()).isTrue();
          assertThat(other.get(e).valueAsString()).isEqualTo("lock");
        }
      }
    }

    @Test
    @DisplayName(
        "A user key that appears while a waiter is queued counts as held: after the holder's unlock the "
            + "waiter keeps waiting, and acquires once the key is deleted")
    void userKeyAppearingWhileQueued() throws Exception {
      String k = key("lock");
      Store waiterStore = client();
      Store writer = client();
      LockLease held = store.newLock(k, lockOptions("holder")).lock();
      Background<LockLease> waiting = waitingLock(waiterStore, k, "waiter", Duration.ZERO);
      writer.put(k, utf8("user data"));
      held.close();
      Waits.holdsFor(
          Timing.max(timing.promptly, Duration.ofMillis(300)),
          "the waiter waiting while the key holds " + "the user's value",
          () -> !waiting.result.isDone());
      assertThat(writer.get(k).valueAsString()).isEqualTo("user data");
      writer.delete(k);
      try (LockLease lease = join(waiting)) {
        assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
        assertThat(waiterStore.get(k).valueAsString()).isEqualTo("waiter");
      }
    }
  }

  /** The keys below {@code dir}, empty when there are none. */
  private static List<String> keysBelow(Store s, String dir) {
    try {
      return keysOf(s.list(dir));
    } catch (KeyNotFoundException none) {
      return List.of();
    }
  }

  private static boolean isReserved(String key) {
    return Keys.isReserved(key) || key.startsWith("/" + Keys.RESERVED_DIR);
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  // =====================================================================================
  @Nested
  @DisplayName("close()")
  class Close {
    @Test
    @DisplayName("close() is idempotent")
    void idempotent() {
      Store s = client();
      s.close();
      s.close();
    }

    @Test
    @Tag("core")
    @DisplayName("close() releases sessions/leases: ephemeral keys and held locks go away at once")
    void releasesEphemeralKeysAndLocks() throws Exception {
      Store closing = client();
      Store other = client();
      boolean ephemeral = caps.ephemeralTtl();
      if (ephemeral) {
        closing.put(key("e"), V, ephemeral());
      }
      LockLease lease = closing.newLock(key("lock"), lockOptions("closing")).lock();
      closing.close();
      Waits.within(timing.promptly)
          .untilAsserted(
              () -> {
                assertThat(other.exists(key("lock"))).as("lock key").isFalse();
                if (ephemeral) {
                  assertThat(other.exists(key("e"))).as("ephemeral key").isFalse();
                }
              });
      try (LockLease taken =
          other.newLock(key("lock"), lockOptions("other")).tryLock(timing.promptly).orElseThrow()) {
        assertThat(taken.fencingToken()).isGreaterThan(lease.fencingToken());
      }
      assertThat(lease.isHeld()).isFalse();
      lease.close();
    }

    @Test
    @DisplayName(
        "close() stops watches: they end cleanly (take throws IllegalStateException, iteration ends, listeners get no error)")
    void stopsWatches() throws Exception {
      Store closing = client();
      Watch<KeyEvent> taking = closing.watch(key("k"));
      Watch<TreeEvent> iterating = closing.watchTree(prefix);
      next(taking);
      next(iterating);
      BlockingQueue<KVException> errors = new LinkedBlockingQueue<>();
      BlockingQueue<KeyEvent> heard = new LinkedBlockingQueue<>();
      Subscription listening =
          closing.watch(
              key("k"),
              WatchOptions.DEFAULT,
              new WatchListener<>() {
                @Override
                public void onEvent(KeyEvent event) {
                  heard.add(event);
                }

                @Override
                public void onError(KVException error) {
                  errors.add(error);
                }
              },
              executor());
      assertThat(heard.poll(timing.operation.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
      Background<Throwable> blockedTake = inThread("kit-take", () -> catchThrowable(taking::take));
      Background<Boolean> blockedIteration =
          inThread("kit-iterate", () -> iterating.iterator().hasNext());
      awaitBlocked(blockedTake);
      awaitBlocked(blockedIteration);
      assertThat(blockedTake.result).isNotDone();
      assertThat(blockedIteration.result).isNotDone();
      closing.close();
      assertThat(join(blockedTake)).isInstanceOf(IllegalStateException.class);
      assertThat(join(blockedIteration)).isFalse();
      for (Watch<?> w : List.<Watch<?>>of(taking, iterating)) {
        assertThat(w.isOpen()).isFalse();
        assertThat(w.done()).succeedsWithin(timing.promptly);
        assertThat(w.failure()).isEmpty();
      }
      // a listener is not told of an error either: the watch ended, it did not fail
      assertThat(errors.poll(timing.promptly.toMillis(), TimeUnit.MILLISECONDS)).isNull();
      listening.close();
    }

    @Test
    @DisplayName("close() stops threads and frees every keep-alive and watch channel of the store")
    void stopsThreads() throws Exception {
      LeakCheck.Snapshot before = LeakCheck.Snapshot.take();
      Store s = openStore();
      try {
        if (caps.ephemeralTtl()) {
          s.put(key("e"), V, ephemeral());
        }
        LockLease lease = s.newLock(key("lock"), lockOptions("x")).lock();
        Watch<KeyEvent> w = s.watch(key("e"));
        next(w);
        Subscription states = s.onConnectionStateChange(state -> {}, Runnable::run);
        assertThat(lease.isHeld()).isTrue();
        s.close();
        // handles of a closed store close quietly
        lease.close();
        w.close();
        states.close();
      } finally {
        s.close();
      }
      before.assertRestored(timing.slack, StoreCompatibilityKit.this::isServerThread);
    }

    @Test
    @DisplayName(
        "close() racing with ephemeral writes and lock acquisitions leaves no key, lease or keep-alive behind")
    void closeRacingWithWrites() throws Exception {
      Store other = client();
      LeakCheck.Snapshot before = LeakCheck.Snapshot.take();
      for (int round = 0; round < 20; round++) {
        Store racing = openStore();
        String dir = key("round" + round);
        AtomicInteger writes = new AtomicInteger();
        AtomicInteger locks = new AtomicInteger();
        List<Background<Integer>> racers = new ArrayList<>();
        if (caps.ephemeralTtl()) {
          racers.add(
              inThread(
                  "kit-racing-writer",
                  () -> untilClosed(n -> racing.put(dir + "/e" + n, V, ephemeral()), writes)));
        } else {
          writes.set(Integer.MAX_VALUE);
        }
        racers.add(
            inThread(
                "kit-racing-locker",
                () ->
                    untilClosed(
                        n -> racing.newLock(dir + "/lock" + n, lockOptions("x")).lock(), locks)));
        // close while both are busy
        Waits.within(timing.operation).until(() -> writes.get() >= 10 && locks.get() >= 10);
        racing.close();
        for (Background<Integer> racer : racers) {
          join(racer);
        }
        Waits.within(timing.promptly)
            .untilAsserted(
                () -> assertThat(keysBelow(other, dir)).as("keys of a closed store").isEmpty());
      }
      before.assertRestored(timing.slack, StoreCompatibilityKit.this::isServerThread);
    }

    /**
     * Runs {@code call} with 0, 1, 2... until the store is closed; returns how many calls
     * succeeded.
     */
    private int untilClosed(Waits.Worker call, AtomicInteger progress) throws Exception {
      int n = 0;
      try {
        while (true) {
          call.run(n);
          n++;
          progress.incrementAndGet();
        }
      } catch (IllegalStateException closed) {
        return n;
      }
    }

    @Test
    @Tag("core")
    @DisplayName("Calls after close fail with a clear error (IllegalStateException)")
    void callsAfterCloseFail() {
      Store closed = client();
      closed.put(key("k"), V);
      KVPair p = closed.get(key("k"));
      Lock lock = closed.newLock(key("lock"), lockOptions("x"));
      closed.close();
      Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
      calls.put("put", () -> closed.put(key("k"), V));
      calls.put("put with options", () -> closed.put(key("k"), V, WriteOptions.DEFAULT));
      calls.put("putAll", () -> closed.putAll(Map.of(key("k"), V)));
      calls.put("get", () -> closed.get(key("k")));
      calls.put("exists", () -> closed.exists(key("k")));
      calls.put("delete", () -> closed.delete(key("k")));
      calls.put("list", () -> closed.list(prefix));
      calls.put("deleteTree", () -> closed.deleteTree(prefix));
      calls.put("atomicPut", () -> closed.atomicPut(key("k"), V, p, WriteOptions.DEFAULT));
      calls.put("atomicDelete", () -> closed.atomicDelete(key("k"), p));
      calls.put("watch", () -> closed.watch(key("k")).close());
      calls.put("watchTree", () -> closed.watchTree(prefix).close());
      calls.put(
          "watch with listener",
          () -> closed.watch(key("k"), WatchOptions.DEFAULT, e -> {}, Runnable::run).close());
      calls.put("newLock", () -> closed.newLock(key("lock2"), lockOptions("x")));
      calls.put("lock() of a Lock made before close", () -> lock.lock().close());
      calls.put("tryLock() of a Lock made before close", () -> lock.tryLock(Duration.ZERO));
      calls.put(
          "onConnectionStateChange",
          () -> closed.onConnectionStateChange(s -> {}, Runnable::run).close());
      assertEachThrows(IllegalStateException.class, "after close", calls)
          .forEach(
              (op, e) ->
                  assertThat(e)
                      .as("%s after close", op)
                      .hasMessageContaining(closed.description()));
      // the data is still there for other clients
      assertThat(store.get(key("k"))).isEqualTo(p);
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("Bad input and failure")
  class BadInput {
    @Test
    @Tag("core")
    @DisplayName("Null arguments fail fast with a NullPointerException naming the argument")
    @SuppressWarnings("NullAway") // hands each argument null on purpose, to see it refused
    void nullArgumentsNamed() {
      String k = key("k");
      KVPair p = KVPair.of(k, V, 1);
      Lock lock = store.newLock(key("lock"), lockOptions("x"));
      Map<String, byte[]> nullValue = new HashMap<>();
      nullValue.put(k, null);
      Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
      calls.put("key|put", () -> store.put(null, V));
      calls.put("value|put", () -> store.put(k, null));
      calls.put("options|put", () -> store.put(k, V, null));
      calls.put("entries|putAll", () -> store.putAll(null));
      calls.put("value|putAll", () -> store.putAll(nullValue));
      calls.put("key|get", () -> store.get(null));
      calls.put("key|exists", () -> store.exists(null));
      calls.put("key|delete", () -> store.delete(null));
      calls.put("dir|list", () -> store.list(null));
      calls.put("dir|deleteTree", () -> store.deleteTree(null));
      calls.put("key|atomicPut", () -> store.atomicPut(null, V, p, WriteOptions.DEFAULT));
      calls.put("value|atomicPut", () -> store.atomicPut(k, null, p, WriteOptions.DEFAULT));
      calls.put("options|atomicPut", () -> store.atomicPut(k, V, p, null));
      calls.put("key|atomicDelete", () -> store.atomicDelete(null, p));
      calls.put("key|watch", () -> store.watch(null));
      calls.put("options|watch", () -> store.watch(k, null));
      calls.put("listener|watch", () -> store.watch(k, WatchOptions.DEFAULT, null, Runnable::run));
      calls.put("executor|watch", () -> store.watch(k, WatchOptions.DEFAULT, e -> {}, null));
      calls.put("dir|watchTree", () -> store.watchTree(null));
      calls.put("options|watchTree", () -> store.watchTree(prefix, null));
      calls.put(
          "listener|watchTree",
          () -> store.watchTree(prefix, WatchOptions.DEFAULT, null, Runnable::run));
      calls.put(
          "executor|watchTree", () -> store.watchTree(prefix, WatchOptions.DEFAULT, e -> {}, null));
      calls.put("key|newLock", () -> store.newLock(null, lockOptions("x")));
      calls.put("options|newLock", () -> store.newLock(k, null));
      calls.put("timeout|tryLock", () -> lock.tryLock(null));
      calls.put(
          "listener|onConnectionStateChange",
          () -> store.onConnectionStateChange(null, Runnable::run));
      calls.put(
          "executor|onConnectionStateChange", () -> store.onConnectionStateChange(s -> {}, null));
      assertEachThrows(NullPointerException.class, "with a null argument", calls)
          .forEach(
              (id, e) ->
                  assertThat(e).as(id).hasMessageContaining(id.substring(0, id.indexOf('|'))));
      assertNothingWritten();
    }

    @Test
    @Tag("core")
    @DisplayName(
        "A value over the backend's limit fails with ValueTooLargeException before anything is written")
    void valueOverLimitRejected() {
      long limit = caps.maxValueBytes();
      byte[] over = new byte[Math.toIntExact(limit + 1)];
      store.put(key("existing"), utf8("before"));
      KVPair existing = store.get(key("existing"));
      Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
      calls.put("put", () -> store.put(key("big"), over));
      calls.put("put over an existing key", () -> store.put(key("existing"), over));
      calls.put("putAll", () -> store.putAll(Map.of(key("small"), V, key("big"), over)));
      calls.put(
          "atomicPut create", () -> store.atomicPut(key("big"), over, null, WriteOptions.DEFAULT));
      calls.put(
          "atomicPut",
          () -> store.atomicPut(key("existing"), over, existing, WriteOptions.DEFAULT));
      assertEachThrows(ValueTooLargeException.class, "of " + (limit + 1) + " bytes", calls)
          .forEach(
              (op, e) -> {
                assertThat(e.limit()).as(op).isEqualTo(limit);
                assertThat(e.size()).as(op).isEqualTo(limit + 1);
              });
      assertThat(store.list(prefix)).containsExactly(existing);
    }

    @Test
    @DisplayName("Store exceptions name the key and the store")
    void exceptionsNameKeyAndStore() {
      KeyNotFoundException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              KeyNotFoundException.class, () -> store.get("/" + key("missing")));
      assertThat(e.key()).contains(key("missing"));
      assertThat(e.store()).isPresent();
      assertThat(e.getMessage()).contains(key("missing"));
      InvalidKeyException invalid =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              InvalidKeyException.class, () -> store.put(key("a//b"), V));
      assertThat(invalid.rule()).isNotBlank();
      assertThat(invalid.getMessage()).contains(prefix);
    }

    @Test
    @DisplayName(
        "An unreachable store fails within the configured timeout with StoreUnavailableException")
    void unreachableStoreFails() {
      Store cut = client();
      cut.put(key("k"), V);
      cutOff(cut);
      long start = System.nanoTime();
      assertThatExceptionOfType(StoreUnavailableException.class)
          .isThrownBy(() -> cut.get(key("k")));
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(timing.operation.plus(timing.slack));
      reconnect(cut);
      Waits.within(timing.operation)
          .ignoreException(StoreUnavailableException.class)
          .until(() -> cut.get(key("k")).valueEquals(V));
    }

    @Test
    @DisplayName("No operation reports success for a write the store did not durably accept")
    void noSuccessForUnacceptedWrite() {
      Store cut = client();
      Store other = client();
      cutOff(cut);
      Throwable t = catchThrowable(() -> cut.put(key("k"), V));
      assertThat(t).isInstanceOf(StoreUnavailableException.class);
      reconnect(cut);
      if (!(t instanceof UnknownOutcomeException)) {
        assertThat(other.exists(key("k"))).as("a write that failed before it was sent").isFalse();
      }
    }
  }

  // =====================================================================================
  @Nested
  @DisplayName("Transactions: all operations if all conditions hold, else none")
  class Transactions extends TransactionContract {
    Transactions() {
      super(StoreCompatibilityKit.this);
    }
  }

  @Nested
  @DisplayName("update: read-modify-write that retries with the pair that beat it")
  class Update extends UpdateContract {
    Update() {
      super(StoreCompatibilityKit.this);
    }
  }

  @Nested
  @DisplayName("Views: an image of a directory kept current by a watch")
  class Views extends ViewContract {
    Views() {
      super(StoreCompatibilityKit.this);
    }
  }

  @Nested
  @DisplayName("Go libkv's shared store tests")
  class GoLibkvScenarios {
    @Test
    @Tag("core")
    @DisplayName("testPutGetDeleteExists: put/get/delete/exists on k, k/, k/sub/, k/sub/leaf")
    void putGetDeleteExists() {
      String base = key("testPutGetDeleteExists_for_key");
      for (String k :
          List.of(
              base,
              base + "/",
              base + "/testPutGetDeleteExists/",
              base + "/testPutGetDeleteExists/key")) {
        assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> store.get(k));
        store.put(k, utf8("hello"));
        KVPair p = store.get(k);
        assertThat(p.valueAsString()).isEqualTo("hello");
        assertThat(p.lastIndex()).isPositive();
        assertThat(store.exists(k)).isTrue();
        store.delete(k);
        assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> store.get(k));
        assertThat(store.exists(k)).isFalse();
      }
    }

    @Test
    @DisplayName("testList: list with and without a trailing slash, and on a missing directory")
    void list() {
      String parent = key("testList");
      store.put(parent + "/child", utf8("first"));
      store.put(parent + "/subfolder", utf8("second"));
      for (String dir : List.of(parent, parent + "/")) {
        assertThat(contents(store.list(dir)))
            .containsExactly(
                Map.entry(parent + "/child", "first"), Map.entry(parent + "/subfolder", "second"));
      }
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.list(key("idontexist")));
    }

    @Test
    @DisplayName("testDeleteTree: deleteTree removes every key below")
    void deleteTree() {
      String dir = key("testDeleteTree");
      store.put(dir + "/first", utf8("first"));
      store.put(dir + "/second", utf8("second"));
      store.deleteTree(dir);
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.get(dir + "/first"));
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.get(dir + "/second"));
    }

    @Test
    @DisplayName("testAtomicPut: CAS with the read pair, then a stale index fails")
    void atomicPut() {
      String k = key("testAtomicPut");
      store.put(k, utf8("world"));
      KVPair p = store.get(k);
      KVPair updated = store.atomicPut(k, utf8("WORLD"), p, WriteOptions.DEFAULT);
      assertThat(updated.valueAsString()).isEqualTo("WORLD");
      assertThatExceptionOfType(KeyModifiedException.class)
          .isThrownBy(() -> store.atomicPut(k, utf8("WORLDWORLD"), p, WriteOptions.DEFAULT));
    }

    @Test
    @DisplayName("testAtomicPutCreate: create-only on a key ending in /")
    void atomicPutCreate() {
      String k = key("testAtomicPutCreate/create/");
      store.atomicPut(k, utf8("putcreate"), null, WriteOptions.DEFAULT);
      KVPair p = store.get(k);
      assertThat(p.valueAsString()).isEqualTo("putcreate");
      assertThat(p.key()).isEqualTo(key("testAtomicPutCreate/create"));
      assertThatExceptionOfType(KeyExistsException.class)
          .isThrownBy(() -> store.atomicPut(k, utf8("putcreate"), null, WriteOptions.DEFAULT));
      store.deleteTree(key("testAtomicPutCreate"));
      assertThat(store.exists(k)).isFalse();
    }

    @Test
    @DisplayName(
        "testAtomicPutWithSlashSuffixKey: create-only of an empty value on a key ending in /")
    void atomicPutWithSlashSuffixKey() {
      String k = key("testAtomicPutWithSlashSuffixKey/key/");
      store.atomicPut(k, new byte[0], null, WriteOptions.DEFAULT);
      assertThat(store.get(k).valueLength()).isZero();
    }

    @Test
    @DisplayName(
        "testAtomicDelete: a wrong index fails, the right one deletes, a missing key fails")
    void atomicDelete() {
      String k = key("testAtomicDelete");
      store.put(k, utf8("world"));
      KVPair p = store.get(k);
      KVPair wrong = KVPair.of(k, p.value(), p.lastIndex() + 1);
      assertThatExceptionOfType(KeyModifiedException.class)
          .isThrownBy(() -> store.atomicDelete(k, wrong));
      store.atomicDelete(k, p);
      assertThatExceptionOfType(KeyNotFoundException.class)
          .isThrownBy(() -> store.atomicDelete(k, p));
    }

    @Test
    @Tag("core")
    @DisplayName("testWatch: a watch sees successive updates")
    void watch() throws Exception {
      String k = key("testWatch");
      store.put(k, utf8("world"));
      Store writer = client();
      try (Watch<KeyEvent> w = store.watch(k)) {
        assertThat(value(next(w))).isEqualTo("world");
        for (int i = 1; i <= 3; i++) {
          writer.put(k, utf8("world" + i));
          KeyEvent e = next(w);
          assertThat(e.type()).isEqualTo(EventType.PUT);
          assertThat(value(e)).isEqualTo("world" + i);
          assertThat(e.index()).isEqualTo(e.pair().orElseThrow().lastIndex());
        }
      }
    }

    @Test
    @DisplayName("testWatchTree: a tree watch sees a child deleted")
    void watchTree() throws Exception {
      String dir = key("testWatchTree");
      for (int i = 1; i <= 3; i++) {
        store.put(dir + "/node" + i, utf8("node" + i));
      }
      try (Watch<TreeEvent> w = store.watchTree(dir)) {
        assertThat(next(w).pairs()).hasSize(3);
        client().delete(dir + "/node3");
        TreeEvent e = next(w);
        assertThat(contents(e.pairs()))
            .containsExactly(
                Map.entry(dir + "/node1", "node1"), Map.entry(dir + "/node2", "node2"));
        assertThat(e.changes()).containsExactly(TreeEvent.Change.delete(dir + "/node3"));
      }
    }

    @Test
    @Tag("core")
    @DisplayName("testLockUnlock: lock, value readable while held, unlock, relock")
    void lockUnlock() throws Exception {
      String k = key("testLockUnlock");
      Lock lock = store.newLock(k, lockOptions("bar"));
      LockLease lease = lock.lock();
      KVPair p = store.get(k);
      assertThat(p.valueAsString()).isEqualTo("bar");
      assertThat(p.lastIndex()).isPositive();
      lease.close();
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> store.get(k));
      try (LockLease again = lock.lock()) {
        assertThat(again.isHeld()).isTrue();
        assertThat(store.get(k).valueAsString()).isEqualTo("bar");
      }
    }

    @Test
    @Tag("slow")
    @DisplayName(
        "testLockTTL: a TTL lock is kept while its holder renews, and taken over after the holder's store is closed")
    void lockTtl() throws Exception {
      String k = key("testLockTTL");
      Store holder = client();
      Store other = client();
      LockLease lease = holder.newLock(k, lockOptions("bar")).lock();
      assertThat(other.get(k).valueAsString()).isEqualTo("bar");
      Lock contender = other.newLock(k, lockOptions("foobar"));
      assertThat(contender.tryLock(timing.pastTwoTtls)).as("lock of a renewing holder").isEmpty();
      assertThat(lease.isHeld()).isTrue();
      Background<LockLease> waiting = inThread("kit-lock-waiter", contender::lock);
      awaitBlocked(waiting);
      holder.close();
      try (LockLease taken = join(waiting)) {
        assertThat(other.get(k).valueAsString()).isEqualTo("foobar");
        assertThat(taken.fencingToken()).isGreaterThan(lease.fencingToken());
      }
    }

    @Test
    @DisplayName("testPutTTL: a TTL key is gone after its writer closes")
    void putTtl() {
      if (!supports(caps.ephemeralTtl(), ephemeral())) {
        return;
      }
      Store writer = client();
      Store other = client();
      writer.put(key("testPutTTL"), utf8("hello"), ephemeral());
      writer.put(key("testPutTTL/second"), utf8("world"), ephemeral());
      assertThat(other.get(key("testPutTTL")).valueAsString()).isEqualTo("hello");
      writer.close();
      Waits.within(timing.ephemeralGone)
          .untilAsserted(
              () -> {
                assertThat(other.exists(key("testPutTTL"))).isFalse();
                assertThat(other.exists(key("testPutTTL/second"))).isFalse();
              });
    }
  }
}
