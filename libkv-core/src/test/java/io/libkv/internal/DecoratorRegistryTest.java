package io.libkv.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Store decorators are found by their parameter, which no store parameter may have. */
class DecoratorRegistryTest {
  @Test
  void decoratorsAreFoundByTheirParameter() {
    assertThat(ProviderRegistry.decorators()).containsOnlyKeys("testTag");
  }

  @Test
  void aDecoratorTakingAStoreParameterIsRefused() {
    ClassLoader loader = DecoratorRegistryTest.class.getClassLoader();
    assertThatThrownBy(() -> ProviderRegistry.loadDecorators(loader, Set.of("timeout", "testTag")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("takes parameter \"testTag\", which is a store parameter already");
  }
}
