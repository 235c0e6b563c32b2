package io.libkv.memory;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import java.util.Set;

/**
 * The {@code memory:} backend's provider: {@code memory:} (private data) or {@code memory:NAME}
 * (shared in the JVM).
 */
public final class MemoryStoreProvider implements StoreProvider {
  /** Made by {@link java.util.ServiceLoader}. */
  public MemoryStoreProvider() {}

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("memory");
  }

  @Override
  public Set<String> parameters() {
    return Set.of("maxValueBytes");
  }

  @Override
  public boolean pathLike() {
    return true;
  }

  @Override
  public String example() {
    return "memory:";
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    if (!location.endpoints().isEmpty()) {
      throw new ConfigurationException(
          "memory: takes a name, not endpoints: use memory:NAME, not " + location.describe());
    }
    return MemoryStore.open(location.path(), config);
  }
}
