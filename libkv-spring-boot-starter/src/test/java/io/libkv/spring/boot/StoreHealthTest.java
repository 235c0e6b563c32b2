package io.libkv.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.memory.MemoryStore;
import io.libkv.spring.boot.internal.LibKVAutoConfiguration;
import io.libkv.spring.boot.internal.LibKVHealthAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The store's health: UP when connected, DOWN when cut off or closed; only with Boot's health. */
class StoreHealthTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  LibKVAutoConfiguration.class, LibKVHealthAutoConfiguration.class));

  private static Health health(HealthContributor c) {
    assertThat(c).isInstanceOf(HealthIndicator.class);
    Health h = ((HealthIndicator) c).health();
    assertThat(h).isNotNull();
    return h;
  }

  @Test
  void upWhenTheStoreIsConnected() {
    runner
        .withPropertyValues("libkv.uri=memory:health-up")
        .run(
            ctx -> {
              Health h = health(ctx.getBean("libkvHealthContributor", HealthContributor.class));
              assertThat(h.getStatus()).isEqualTo(Status.UP);
              assertThat(h.getDetails())
                  .containsEntry("backend", "memory")
                  .containsEntry("store", "memory:health-up")
                  .containsEntry("connection", "CONNECTED");
            });
  }

  @Test
  void downWhileTheStoreIsCutOffAndUpAgainWhenItReconnects() {
    runner
        .withUserConfiguration(OwnMemoryStore.class)
        .run(
            ctx -> {
              HealthContributor c = ctx.getBean("libkvHealthContributor", HealthContributor.class);
              MemoryStore store = ctx.getBean(MemoryStore.class);
              assertThat(health(c).getStatus()).isEqualTo(Status.UP);
              store.simulatePartition(true);
              Health down = health(c);
              assertThat(down.getStatus()).isEqualTo(Status.DOWN);
              assertThat(down.getDetails()).containsEntry("connection", "SUSPENDED");
              store.simulatePartition(false);
              assertThat(health(c).getStatus()).isEqualTo(Status.UP);
            });
  }

  @Test
  void downWhenTheStoreIsClosed() {
    runner
        .withPropertyValues("libkv.uri=memory:health-closed")
        .run(
            ctx -> {
              HealthContributor c = ctx.getBean("libkvHealthContributor", HealthContributor.class);
              ctx.getBean(Store.class).close();
              Health h = health(c);
              assertThat(h.getStatus()).isEqualTo(Status.DOWN);
              assertThat(h.getDetails()).containsEntry("closed", true);
            });
  }

  @Test
  void oneIndicatorPerStoreWhenThereAreSeveral() {
    runner
        .withUserConfiguration(TwoStores.class)
        .run(
            ctx -> {
              HealthContributor c = ctx.getBean("libkvHealthContributor", HealthContributor.class);
              assertThat(c).isInstanceOf(CompositeHealthContributor.class);
              CompositeHealthContributor composite = (CompositeHealthContributor) c;
              assertThat(health(composite.getContributor("first")).getStatus())
                  .isEqualTo(Status.UP);
              ctx.getBean("second", MemoryStore.class).simulatePartition(true);
              assertThat(health(composite.getContributor("second")).getStatus())
                  .isEqualTo(Status.DOWN);
            });
  }

  @Test
  void noIndicatorWithoutBootsHealthModule() {
    runner
        .withClassLoader(new FilteredClassLoader(HealthContributor.class))
        .withPropertyValues("libkv.uri=memory:health-none")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().hasSingleBean(Store.class);
              assertThat(ctx).doesNotHaveBean("libkvHealthContributor");
            });
  }

  @Test
  void noIndicatorWhenTurnedOff() {
    runner
        .withPropertyValues("libkv.uri=memory:health-off", "management.health.libkv.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("libkvHealthContributor"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnMemoryStore {
    @Bean
    MemoryStore ownStore() {
      return (MemoryStore) LibKV.open("memory:health-partition");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class TwoStores {
    @Bean
    MemoryStore first() {
      return (MemoryStore) LibKV.open("memory:health-first");
    }

    @Bean
    MemoryStore second() {
      return (MemoryStore) LibKV.open("memory:health-second");
    }
  }
}
