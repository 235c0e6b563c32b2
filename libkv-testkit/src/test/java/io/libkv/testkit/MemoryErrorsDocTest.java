package io.libkv.testkit;

import io.libkv.StoreConfig;
import io.libkv.StoreUnavailableException;
import io.libkv.memory.MemoryStore;
import io.libkv.testkit.ErrorsDocCoverage.Case;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/errors.md walked against {@code memory:}. */
class MemoryErrorsDocTest {
  @Test
  void everyDocumentedConditionIsRaisedAsDocumentedOrCannotArise() {
    String name = "errors-doc";
    try (MemoryStore s = MemoryStore.open(name, StoreConfig.builder().maxValueBytes(16).build())) {
      Map<String, Case> cases = ErrorsDocCoverage.common(s, "memory:" + name + "?maxValueBytes=16");
      cases.put(
          "kv-exception",
          Case.cannotArise(
              "memory: raises no condition without a more specific type "
                  + "through a call; a listener executor's refusal ends the watch with it (StoreCompatibilityKit)"));
      cases.put("call-not-supported", Case.cannotArise("memory: supports every call"));
      cases.put(
          "cannot-lock",
          Case.cannotArise(
              "memory: a lock waits or is lost with its session; it never "
                  + "fails for another reason"));
      cases.put(
          "store-unavailable",
          Case.provoked(
              StoreUnavailableException.class,
              "k",
              s.description(),
              () -> {
                s.simulatePartition(true);
                try {
                  s.get("k");
                } finally {
                  s.simulatePartition(false);
                }
              }));
      cases.put(
          "unknown-outcome", Case.cannotArise("memory: a write applies in the call or not at all"));
      cases.put(
          "listing-changed", Case.cannotArise("memory: a list is read under the store's lock"));
      cases.put("permission-denied", Case.cannotArise("memory: takes no credentials"));
      cases.put("store-corrupted", Case.cannotArise("memory: no file"));
      cases.put("store-locked", Case.cannotArise("memory: no file"));
      ErrorsDocCoverage.check(cases);
    } finally {
      MemoryStore.drop(name);
    }
  }
}
