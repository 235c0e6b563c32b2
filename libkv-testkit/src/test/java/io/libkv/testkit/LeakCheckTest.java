package io.libkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import io.libkv.Store;
import io.libkv.Watch;
import org.junit.jupiter.api.Test;

/** The leak check fails a kit test that leaves a watch or a keep-alive running. */
class LeakCheckTest {
  /** A kit with tests that leak. Run only by the launcher below. */
  static class LeakyKit extends MemoryStoreCompatibilityTest {
    @Override
    protected java.time.Duration timingSlack() {
      return java.time.Duration.ofMillis(200); // the leak check waits three times this for clean-up
    }

    @Test
    void leavesAWatchOpen() {
      Watch<?> unclosed = openStore().watch("leak/watch");
      assertThat(unclosed.isOpen()).isTrue();
    }

    @Test
    void leavesAKeepAliveRunning() {
      Store unclosed = openStore();
      unclosed.put(
          "leak/ephemeral",
          new byte[0],
          io.libkv.WriteOptions.ephemeral(java.time.Duration.ofSeconds(1)));
    }

    @Test
    void leavesAThreadRunning() {
      // named as the library's threads are, so it counts though it is a daemon (and cannot hold the
      // JVM)
      Thread t =
          new Thread(
              () -> java.util.concurrent.locks.LockSupport.parkNanos(10_000_000_000L),
              "libkv-leaked");
      t.setDaemon(true);
      t.start();
    }

    @Test
    void cleansUp() {
      try (Store s = openStore();
          Watch<?> w = s.watch("leak/none")) {
        assertThat(w.isOpen()).isTrue();
      }
    }
  }

  @Test
  void leaksFailTheTestThatLeft() {
    KitLauncher.Outcome r =
        KitLauncher.run(
            selectMethod(LeakyKit.class, "leavesAWatchOpen"),
            selectMethod(LeakyKit.class, "leavesAKeepAliveRunning"),
            selectMethod(LeakyKit.class, "leavesAThreadRunning"),
            selectMethod(LeakyKit.class, "cleansUp"));
    assertThat(r.getSummary().getTestsSucceededCount()).isEqualTo(1);
    assertThat(r.getSummary().getFailures())
        .extracting(f -> f.getException().getMessage())
        .hasSize(3)
        .anySatisfy(m -> assertThat(m).contains("open watch channels"))
        .anySatisfy(m -> assertThat(m).contains("running keep-alives"))
        .anySatisfy(m -> assertThat(m).contains("libkv-leaked"));
  }
}
