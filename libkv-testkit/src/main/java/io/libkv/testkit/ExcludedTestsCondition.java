package io.libkv.testkit;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips the tests a backend names in {@link StoreCompatibilityKit#excludedTests()}, with the
 * backend's reason as the skip reason, so reports list every exclusion (and CI can compare them
 * with the allow-list in {@code docs/compatibility.md}).
 *
 * <p>A test is named by any of: its method name ({@code closeIsIdempotent}), its nested class and
 * method ({@code Close.closeIsIdempotent}), or its {@code @DisplayName}. Registered by the kit.
 */
public final class ExcludedTestsCondition implements ExecutionCondition {
  /** Made by JUnit. */
  public ExcludedTestsCondition() {}

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<Method> method = context.getTestMethod();
    Optional<StoreCompatibilityKit> kit =
        context.getTestInstances().flatMap(i -> i.findInstance(StoreCompatibilityKit.class));
    if (method.isEmpty() || kit.isEmpty()) {
      // containers, and test templates before their instances exist: each invocation is checked
      return ConditionEvaluationResult.enabled("not a test of the kit");
    }
    Map<String, String> excluded = kit.get().excludedTests();
    for (String id : namesOf(method.get())) {
      String reason = excluded.get(id);
      if (reason != null) {
        return ConditionEvaluationResult.disabled(
            "excluded by " + kit.get().getClass().getSimpleName() + " (" + id + "): " + reason);
      }
    }
    return ConditionEvaluationResult.enabled("not excluded");
  }

  /** Every name by which an exclusion list may name {@code test}. */
  static Set<String> namesOf(Method test) {
    Set<String> names = new LinkedHashSet<>();
    names.add(test.getName());
    names.add(test.getDeclaringClass().getSimpleName() + "." + test.getName());
    DisplayName d = test.getAnnotation(DisplayName.class);
    if (d != null) {
      names.add(d.value());
    }
    return names;
  }
}
