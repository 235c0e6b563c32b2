package io.libkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectNestedMethod;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Exclusions are reported as skipped tests with their reason, and may name only tests of the kit.
 */
class ExcludedTestsReportTest {
  /** The memory kit excusing one test, by each kind of name. Run only by the launcher below. */
  static class KitWithExclusions extends MemoryStoreCompatibilityTest {
    @Override
    protected Map<String, String> excludedTests() {
      return Map.of(
          "Close.idempotent", "no second close on this backend",
          "tryLockTimesOutWithoutBusyWaiting", "waiting polls here",
          "Read-your-writes from the same Store", "eventually consistent reads");
    }
  }

  /** A kit naming a test that does not exist. */
  static class KitWithUnknownExclusion extends MemoryStoreCompatibilityTest {
    @Override
    protected Map<String, String> excludedTests() {
      return Map.of("noSuchTest", "stale allow-list entry");
    }
  }

  @Test
  void excludedTestsAreSkippedWithTheirReason() {
    List<Class<?>> kit = List.of(KitWithExclusions.class);
    KitLauncher.Outcome r =
        KitLauncher.run(
            selectNestedMethod(kit, StoreCompatibilityKit.Close.class, "idempotent"),
            selectNestedMethod(
                kit, StoreCompatibilityKit.Locks.class, "tryLockTimesOutWithoutBusyWaiting"),
            selectNestedMethod(
                kit, StoreCompatibilityKit.PutGetDeleteExists.class, "readYourWrites"),
            selectNestedMethod(kit, StoreCompatibilityKit.Close.class, "callsAfterCloseFail"));
    TestExecutionSummary summary = r.getSummary();
    assertThat(summary.getTestsSkippedCount()).isEqualTo(3);
    assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    assertThat(summary.getTotalFailureCount()).isZero();
    assertThat(r.skipped)
        .containsOnlyKeys(
            "close() is idempotent",
            "tryLock times out: it returns empty after its timeout (plus slack), and waiting never polls in a busy loop",
            "Read-your-writes from the same Store");
    assertThat(r.skipped.get("close() is idempotent"))
        .isEqualTo(
            "excluded by KitWithExclusions (Close.idempotent): no second close on this backend");
    assertThat(r.skipped.values())
        .anySatisfy(
            reason ->
                assertThat(reason)
                    .contains("(tryLockTimesOutWithoutBusyWaiting): waiting polls here"));
    assertThat(r.skipped.values())
        .anySatisfy(
            reason ->
                assertThat(reason)
                    .contains(
                        "(Read-your-writes from the same Store): eventually consistent reads"));
  }

  @Test
  void anExclusionNamingNoTestFails() {
    KitLauncher.Outcome r =
        KitLauncher.run(selectMethod(KitWithUnknownExclusion.class, "exclusionsNameTestsOfTheKit"));
    assertThat(r.getSummary().getTestsFailedCount()).isEqualTo(1);
    assertThat(r.getSummary().getFailures().get(0).getException())
        .hasMessageContaining("noSuchTest");
  }
}
