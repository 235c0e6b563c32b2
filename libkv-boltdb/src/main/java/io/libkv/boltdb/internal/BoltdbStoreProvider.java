package io.libkv.boltdb.internal;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import java.nio.file.Path;
import java.util.Set;

/** The {@code boltdb:} backend: {@code boltdb:PATH}, {@code boltdb:/abs/path}, {@code boltdb:///abs/path}. */
public final class BoltdbStoreProvider implements StoreProvider {
  /** Made by {@link java.util.ServiceLoader}. */
  public BoltdbStoreProvider() {}

  @Override
  public String name() {
    return "boltdb";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("boltdb");
  }

  @Override
  public Set<String> parameters() {
    return Set.of("bucket", "mode", "readOnly", "timeout", "maxValueBytes");
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    if (!location.endpoints().isEmpty()) {
      throw new ConfigurationException("boltdb: takes a file path, not endpoints: use boltdb:PATH or boltdb:///abs/path, not "
          + location.describe());
    }
    if (location.path().isEmpty()) {
      throw new ConfigurationException("boltdb: needs a file path, e.g. boltdb:./libkv.db");
    }
    return BoltdbStore.open(Path.of(location.path()), config);
  }
}
