package io.libkv.util;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.WriteOptions;
import io.libkv.memory.MemoryStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ForwardingStoreTest {
  @Test
  void everyStoreMethodIsForwardedIncludingTheDefaultOnes() {
    List<String> missing = new ArrayList<>();
    for (Method m : Store.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      try {
        Method forwarded =
            ForwardingStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
        assertThat(Modifier.isPublic(forwarded.getModifiers())).as(forwarded.toString()).isTrue();
      } catch (NoSuchMethodException e) {
        missing.add(m.toString());
      }
    }
    assertThat(missing).as("Store methods ForwardingStore does not forward").isEmpty();
  }

  @Test
  void aDecoratorSeesTheCallsItOverridesAndTheDelegateServesTheRest() {
    String name = "fwd-" + UUID.randomUUID();
    List<String> seen = new ArrayList<>();
    try (Store store =
        new ForwardingStore(MemoryStore.open(name, StoreConfig.DEFAULT)) {
          @Override
          public KVPair atomicCreate(String key, byte[] value, WriteOptions options) {
            seen.add(key);
            return super.atomicCreate(key, value, options);
          }
        }) {
      store.atomicCreate("a/b", "v".getBytes(StandardCharsets.UTF_8), WriteOptions.DEFAULT);
      assertThat(seen).containsExactly("a/b");
      assertThat(new String(store.get("a/b").value(), StandardCharsets.UTF_8)).isEqualTo("v");
      assertThat(store.list("a")).extracting(KVPair::key).containsExactly("a/b");
      assertThat(store.toString()).startsWith("[").contains("memory");
    } finally {
      MemoryStore.drop(name);
    }
  }
}
