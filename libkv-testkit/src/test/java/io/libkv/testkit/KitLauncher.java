package io.libkv.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Runs chosen tests of a kit subclass in a nested JUnit launch, to test the kit's own machinery.
 */
final class KitLauncher {
  private KitLauncher() {}

  /** What a launch did: the summary, and each skipped test's reason by display name. */
  static final class Outcome extends SummaryGeneratingListener {
    final Map<String, String> skipped = new ConcurrentHashMap<>();

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
      super.executionSkipped(test, reason);
      skipped.put(test.getDisplayName(), reason);
    }
  }

  static Outcome run(DiscoverySelector... selectors) {
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
    Outcome outcome = new Outcome();
    LauncherFactory.create().execute(request, new TestExecutionListener[] {outcome});
    return outcome;
  }
}
