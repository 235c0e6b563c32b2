package io.libkv.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store's lock and watcher get what they need through their constructors, never the store
 * itself: the store's state stays its own, and each collaborator's dependencies are listed in one
 * place.
 */
class ConsulCollaboratorsTest {
  @Test
  void theLockAndTheWatcherHoldNoReferenceToTheStore() {
    List<String> found = new ArrayList<>();
    for (Class<?> c : List.of(ConsulLock.class, ConsulLock.Held.class, ConsulWatcher.class)) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getType() == ConsulStore.class) {
          found.add(c.getSimpleName() + "." + f.getName());
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (Arrays.asList(k.getParameterTypes()).contains(ConsulStore.class)) {
          found.add(c.getSimpleName() + "(" + Arrays.toString(k.getParameterTypes()) + ")");
        }
      }
    }
    assertThat(found).as("fields and constructor parameters of type ConsulStore").isEmpty();
  }

  @Test
  void theStoreKeepsItsFieldsPrivate() {
    List<String> open = new ArrayList<>();
    for (Field f : ConsulStore.class.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isPrivate(f.getModifiers())) {
        open.add(f.getName());
      }
    }
    assertThat(open)
        .as("instance fields of ConsulStore other code of the package can reach")
        .isEmpty();
  }
}
