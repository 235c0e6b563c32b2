package io.libkv.spring.boot.internal;

import io.libkv.micrometer.MeteredStore;
import io.libkv.spring.boot.LibKVProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Meters the starter's Store bean with {@code libkv-micrometer} when the application has it and a
 * {@link MeterRegistry} bean (Spring Boot's, with actuator): the bean is then a {@link
 * MeteredStore}. A Store bean the application declares itself is left as declared, and so is a
 * store whose URI gives libkv-micrometer's own {@code metrics} parameter.
 */
@AutoConfiguration(before = LibKVAutoConfiguration.class)
@ConditionalOnClass({MeteredStore.class, MeterRegistry.class})
public class LibKVMetricsAutoConfiguration {
  /** The configuration. */
  public LibKVMetricsAutoConfiguration() {}

  @Bean
  StoreWrapper libkvMeteredStore(
      LibKVProperties properties, ObjectProvider<MeterRegistry> registries) {
    return store -> {
      // libkv-micrometer's own URI parameter (metrics=true: on the global registry, false: none)
      // decides when given; wrapping again would count every call twice
      if (StoreFactory.uriParameters(properties.getUri()).contains("metrics")) {
        return store;
      }
      // looked up when the store is made, so that the registry's own auto-configuration may come
      // in any order; none (or several without a primary) leaves the store unmetered
      MeterRegistry registry = registries.getIfUnique();
      return registry == null ? store : MeteredStore.wrap(store, registry);
    };
  }
}
