package io.libkv.spring.boot.internal;

import io.libkv.Store;
import io.libkv.spring.boot.LibKVProperties;
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
  /** The store {@code libkv.uri} names. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Store.class)
  public Store libkvStore(LibKVProperties properties) {
    return StoreFactory.open(properties);
  }
}
