package io.libkv.boltdb.internal;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.boltdb.BoltdbOptions;
import io.libkv.boltdb.BoltdbOptions.FileMode;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.spi.UriOptions;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code boltdb:} backend: {@code boltdb:PATH}, {@code boltdb:/abs/path}, {@code
 * boltdb:///abs/path}.
 */
public final class BoltdbStoreProvider implements StoreProvider {
  private static final OwnParameters<BoltdbOptions.Builder> OWN =
      OwnParameters.<BoltdbOptions.Builder>none()
          .with("bucket", BoltdbOptions.Builder::bucket)
          .with("mode", (b, v) -> b.mode(FileMode.parse(v)))
          .with("readOnly", (b, v) -> b.readOnly(OwnParameters.bool(v)));

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
  public Set<String> ownParameters() {
    return OWN.names();
  }

  @Override
  public boolean pathLike() {
    return true;
  }

  @Override
  public String example() {
    return "boltdb:./libkv.db";
  }

  @Override
  public UriOptions uriOptions() {
    return OWN.reader(BoltdbOptions.builder(), BoltdbStoreProvider::open);
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    return open(BoltdbOptions.builder(), location, config);
  }

  /** Opens the store typed options describe. */
  public static Store open(BoltdbOptions options) {
    return BoltdbStore.open(options);
  }

  private static Store open(
      BoltdbOptions.Builder options, StoreLocation location, StoreConfig config) {
    if (!location.endpoints().isEmpty()) {
      throw new ConfigurationException(
          "boltdb: takes a file path, not endpoints: use boltdb:PATH or boltdb:///abs/path, not "
              + location.describe());
    }
    if (location.path().isEmpty()) {
      throw new ConfigurationException("boltdb: needs a file path, e.g. boltdb:./libkv.db");
    }
    return BoltdbStore.open(options.file(Path.of(location.path())).config(config).build());
  }
}
