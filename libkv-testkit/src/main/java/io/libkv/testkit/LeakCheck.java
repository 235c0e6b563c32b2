package io.libkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.Store;
import io.libkv.internal.kit.LeakProbe;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Checks after every test of a {@link StoreCompatibilityKit} that nothing leaked: the JVM's open
 * watch channels and running keep-alives (as core's leak counters, exported to the kit alone, count
 * them) and live threads that are non-daemon or named {@code libkv-*} are back to what they were
 * before the test (the shared {@code libkv-timer} daemon and JUnit's own threads excepted). Closing
 * may finish asynchronously, so it waits up to the kit's slack for that.
 *
 * <p>Before the kit's {@code @AfterEach} closes the test's stores, and if the test closed every
 * watch it opened, it also checks that no store still keeps anything for a watch (what a store
 * built on the SPI reports as its watch resources: its hub's watchers, server-side watches): a
 * closed watch must leave nothing behind in a store that lives on.
 *
 * <p>Registered by the kit itself; a backend has nothing to do. It runs after the kit's
 * {@code @AfterEach}, which closes every store the test opened.
 */
public final class LeakCheck
    implements BeforeEachCallback, AfterTestExecutionCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(LeakCheck.class);

  /** Made by JUnit. */
  public LeakCheck() {}

  /** What a test may leak: counts and the threads alive at one moment. */
  static final class Snapshot {
    final int channels;
    final int keepAlives;
    final Set<Thread> threads;

    private Snapshot(int channels, int keepAlives, Set<Thread> threads) {
      this.channels = channels;
      this.keepAlives = keepAlives;
      this.threads = threads;
    }

    static Snapshot take() {
      return new Snapshot(
          LeakProbe.openChannels(),
          LeakProbe.activeKeepAlives(),
          Thread.getAllStackTraces().keySet());
    }

    /**
     * Asserts, waiting up to {@code bound}, that channels and keep-alives are back to this
     * snapshot's counts and that no relevant thread started since is still alive.
     */
    void assertRestored(Duration bound, Predicate<Thread> ignored) {
      Waits.within(bound)
          .untilAsserted(
              () -> {
                assertThat(LeakProbe.openChannels())
                    .as("open watch channels (LeakProbe.openChannels())")
                    .isEqualTo(channels);
                assertThat(LeakProbe.activeKeepAlives())
                    .as("running keep-alives (LeakProbe.activeKeepAlives())")
                    .isEqualTo(keepAlives);
                Set<String> leaked =
                    Thread.getAllStackTraces().keySet().stream()
                        .filter(
                            t ->
                                t.isAlive()
                                    && !threads.contains(t)
                                    && relevant(t)
                                    && !ignored.test(t))
                        .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : ""))
                        .collect(Collectors.toCollection(java.util.TreeSet::new));
                assertThat(leaked).as("threads started during the test and still alive").isEmpty();
              });
    }

    private static boolean relevant(Thread t) {
      String name = t.getName();
      // the shared timer lives for the JVM by design; JUnit's own threads (its timeout watcher) are
      // not ours
      return !name.equals("libkv-timer")
          && !name.startsWith("junit-")
          && (!t.isDaemon() || name.startsWith("libkv-"));
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NS).put(context.getUniqueId(), Snapshot.take());
  }

  /**
   * Asserts, waiting up to {@code bound}, that none of {@code stores} keeps anything for a watch.
   */
  static void assertNoWatchKept(List<Store> stores, Duration bound) {
    Waits.within(bound)
        .untilAsserted(
            () -> {
              for (Store s : stores) {
                assertThat(LeakProbe.watchResources(s))
                    .as("a store the leak check can ask what it keeps for watches")
                    .isPresent();
                LeakProbe.watchResources(s)
                    .orElseThrow()
                    .forEach(
                        (what, n) ->
                            assertThat(n)
                                .as("%s of %s, every watch being closed", what, s)
                                .isZero());
              }
            });
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    Snapshot before = context.getStore(NS).get(context.getUniqueId(), Snapshot.class);
    if (before == null
        || context.getExecutionException().isPresent()
        || LeakProbe.openChannels() != before.channels) {
      // a watch still open is left to its store's close, which the after-each check follows
      return;
    }
    assertNoWatchKept(kit(context).openedStores(), kit(context).leakBound());
  }

  private static StoreCompatibilityKit kit(ExtensionContext context) {
    return context
        .getRequiredTestInstances()
        .findInstance(StoreCompatibilityKit.class)
        .orElseThrow(
            () -> new IllegalStateException("LeakCheck is for StoreCompatibilityKit tests"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Snapshot before = context.getStore(NS).remove(context.getUniqueId(), Snapshot.class);
    if (before == null || context.getExecutionException().isPresent()) {
      // a failed test already reports its failure; a second one about its leftovers only adds noise
      return;
    }
    StoreCompatibilityKit kit = kit(context);
    before.assertRestored(kit.leakBound(), kit::isServerThread);
  }
}
