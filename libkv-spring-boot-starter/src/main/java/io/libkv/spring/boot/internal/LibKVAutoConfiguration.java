package io.libkv.spring.boot.internal;

import io.libkv.Store;
import io.libkv.spring.boot.LibKVProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link Store} bean, opened from {@code libkv.*} unless the application declares its own, and
 * closed when the context closes.
 */
@AutoConfiguration
@EnableConfigurationProperties(LibKVProperties.class)
public class LibKVAutoConfiguration {
  /** The configuration. */
  public LibKVAutoConfiguration() {}

  /**
   * The store {@code libkv.uri} names, metered when libkv-micrometer and a registry are present.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Store.class)
  Store libkvStore(LibKVProperties properties, ObjectProvider<StoreWrapper> wrappers) {
    Store store = StoreFactory.open(properties);
    StoreWrapper wrapper = wrappers.getIfUnique();
    if (wrapper == null) {
      return store;
    }
    try {
      return wrapper.wrap(store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }
}
