package io.libkv.spring.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.memory.MemoryStore;
import io.libkv.micrometer.MeteredStore;
import io.libkv.spring.boot.internal.LibKVAutoConfiguration;
import io.libkv.spring.boot.internal.LibKVHealthAutoConfiguration;
import io.libkv.spring.boot.internal.LibKVMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Store bean is metered when libkv-micrometer and a MeterRegistry bean are present. */
class StoreMetricsTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  LibKVAutoConfiguration.class,
                  LibKVHealthAutoConfiguration.class,
                  LibKVMetricsAutoConfiguration.class));

  @Test
  void theStoreBeanRecordsItsCallsOnTheApplicationsRegistry() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("libkv.uri=memory:metrics-on")
        .run(
            ctx -> {
              Store store = ctx.getBean(Store.class);
              store.put("a", "1".getBytes(UTF_8));
              store.get("a");
              MeterRegistry registry = ctx.getBean(MeterRegistry.class);
              Timer puts =
                  registry
                      .find("libkv.store.operations")
                      .tags("operation", "put", "outcome", "success", "backend", "memory")
                      .timer();
              assertThat(puts).isNotNull();
              assertThat(puts.count()).isEqualTo(1);
              // the decorator passes status on: health still reads the store
              assertThat(
                      ((HealthIndicator)
                              ctx.getBean("libkvHealthContributor", HealthContributor.class))
                          .health()
                          .getStatus())
                  .isEqualTo(Status.UP);
            });
  }

  @Test
  void theMeteredStoreIsClosedWithTheContext() {
    AtomicReference<Store> seen = new AtomicReference<>();
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("libkv.uri=memory:metrics-close")
        .run(ctx -> seen.set(ctx.getBean(Store.class)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> seen.get().get("a"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theUrisOwnMetricsParameterDecidesAndTheStoreIsNotMeteredTwice() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("libkv.uri=memory:metrics-uri-off?metrics=false")
        .run(ctx -> assertThat(ctx.getBean(Store.class)).isInstanceOf(MemoryStore.class));
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("libkv.uri=memory:metrics-uri-on?metrics=true")
        .run(
            ctx -> {
              Store store = ctx.getBean(Store.class);
              store.put("a", "1".getBytes(UTF_8));
              // metered once, on the global registry the parameter names, not again on this one
              assertThat(store).isInstanceOf(MeteredStore.class);
              assertThat(ctx.getBean(MeterRegistry.class).find("libkv.store.operations").timer())
                  .isNull();
            });
  }

  @Test
  void noRegistryNoMetering() {
    runner
        .withPropertyValues("libkv.uri=memory:metrics-noregistry")
        .run(ctx -> assertThat(ctx.getBean(Store.class)).isInstanceOf(MemoryStore.class));
  }

  @Test
  void withoutLibkvMicrometerTheStoreIsPlainAndTheContextStarts() {
    runner
        .withClassLoader(new FilteredClassLoader(MeteredStore.class))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("libkv.uri=memory:metrics-absent")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx.getBean(Store.class)).isInstanceOf(MemoryStore.class);
            });
  }

  @Test
  void theApplicationsOwnStoreIsLeftAsDeclared() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean(Store.class, () -> LibKV.open("memory:metrics-own"))
        .run(ctx -> assertThat(ctx.getBean(Store.class)).isInstanceOf(MemoryStore.class));
  }
}
