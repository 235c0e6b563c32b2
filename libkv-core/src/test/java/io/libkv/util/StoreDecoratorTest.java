package io.libkv.util;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A URI parameter of an installed {@link StoreDecorator} (here {@link TagTestDecorator}'s {@code
 * testTag}) wraps the store on every backend; a decorator's parameter whose module is not installed
 * is refused by name.
 */
class StoreDecoratorTest {
  @Test
  void anInstalledDecoratorsParameterWrapsTheOpenedStore() {
    try (Store s = LibKV.open("memory:deco-a?testTag=blue")) {
      assertThat(s).isInstanceOf(TagTestDecorator.Tagged.class);
      assertThat(((TagTestDecorator.Tagged) s).tag()).isEqualTo("blue");
      s.put("k", "v".getBytes(UTF_8));
      assertThat(s.get("k").value()).isEqualTo("v".getBytes(UTF_8));
      assertThat(s.description()).isEqualTo("memory:deco-a");
    } finally {
      MemoryStore.drop("deco-a");
    }
  }

  @Test
  void aValueThatTurnsTheDecorationOffLeavesTheStoreAsItIs() {
    try (Store s = LibKV.open("memory:deco-b?testTag=off")) {
      assertThat(s).isInstanceOf(MemoryStore.class);
    } finally {
      MemoryStore.drop("deco-b");
    }
  }

  @Test
  void itIsTakenBesideABackendsOwnParametersAndThroughDefaults() {
    try (Store s = LibKV.open("paths:p?bucket=b1&testTag=x")) {
      assertThat(((TagTestDecorator.Tagged) s).tag()).isEqualTo("x");
    }
    try (Store s = LibKV.open("memory:deco-c", StoreConfig.DEFAULT, Map.of("testTag", "y"))) {
      assertThat(((TagTestDecorator.Tagged) s).tag()).isEqualTo("y");
    } finally {
      MemoryStore.drop("deco-c");
    }
  }

  @Test
  void aValueTheDecoratorRefusesIsListedWithTheOtherProblemsAndNothingOpens() {
    assertThatThrownBy(() -> LibKV.open("memory:deco-d?testTag=&foo=1&timeout=x"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("parameter 'testTag': expected a tag or off")
        .hasMessageContaining("unknown parameter(s): foo")
        .hasMessageContaining("parameter(s) timeout do not apply to memory");
  }

  @Test
  void aDecoratorParameterWithoutItsModuleIsRefusedByName() {
    assertThatThrownBy(() -> LibKV.open("memory:deco-e?metrics=true"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("unknown parameter(s): metrics");
  }
}
