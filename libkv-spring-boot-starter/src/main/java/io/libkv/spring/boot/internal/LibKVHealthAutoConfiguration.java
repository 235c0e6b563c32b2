package io.libkv.spring.boot.internal;

import io.libkv.Store;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.CompositeHealthContributorConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * The {@code libkv} health contributor for the application's stores (one indicator, or one per
 * Store bean when there are several), when Spring Boot's health module is present; {@code
 * management.health.libkv.enabled=false} turns it off.
 */
@AutoConfiguration(after = LibKVAutoConfiguration.class)
@ConditionalOnClass(HealthContributor.class)
@ConditionalOnBean(Store.class)
@ConditionalOnEnabledHealthIndicator("libkv")
public class LibKVHealthAutoConfiguration
    extends CompositeHealthContributorConfiguration<StoreHealthIndicator, Store> {
  /** The configuration. */
  public LibKVHealthAutoConfiguration() {
    super(StoreHealthIndicator::new);
  }

  /** The stores' health. */
  @Bean
  @ConditionalOnMissingBean(name = {"libkvHealthIndicator", "libkvHealthContributor"})
  public HealthContributor libkvHealthContributor(ConfigurableListableBeanFactory beanFactory) {
    return createContributor(beanFactory, Store.class);
  }
}
