package io.libkv.micrometer.internal;

import io.libkv.Store;
import io.libkv.micrometer.MeteredStore;
import io.libkv.util.StoreDecorator;
import io.micrometer.core.instrument.Metrics;
import java.util.function.UnaryOperator;

/**
 * The {@code metrics} URI parameter: {@code metrics=true} (or a bare {@code metrics}) wraps the
 * opened store with {@link MeteredStore} on Micrometer's global registry ({@link
 * Metrics#globalRegistry}), {@code metrics=false} leaves it as it is.
 */
public final class MetricsDecorator implements StoreDecorator {
  /** Made by {@link java.util.ServiceLoader}. */
  public MetricsDecorator() {}

  @Override
  public String parameter() {
    return "metrics";
  }

  @Override
  public UnaryOperator<Store> decoration(String value) {
    if (value.equals("true") || value.isEmpty()) {
      return store -> MeteredStore.wrap(store, Metrics.globalRegistry);
    }
    if (value.equals("false")) {
      return UnaryOperator.identity();
    }
    throw new IllegalArgumentException("expected true or false, was \"" + value + "\"");
  }
}
