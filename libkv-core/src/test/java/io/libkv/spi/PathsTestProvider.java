package io.libkv.spi;

import io.libkv.ConfigurationException;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A second backend for core's tests, as a file backend is: {@code paths:PATH} (path-like) with an
 * own parameter {@code bucket} and the shared {@code timeout}. Its stores are memory stores named
 * {@code PATH/BUCKET}, so a test can see what the URI's own parameter did.
 */
public final class PathsTestProvider implements StoreProvider {
  static final OwnParameters<Options> OWN =
      OwnParameters.<Options>none().with("bucket", Options::bucket);

  /** The backend's options builder: {@code bucket} is checked here, for URIs and code alike. */
  static final class Options {
    String bucket = "b0";

    Options bucket(String b) {
      bucket = OwnParameters.nonEmpty("bucket", b);
      return this;
    }
  }

  /** Made by {@link java.util.ServiceLoader}. */
  public PathsTestProvider() {}

  @Override
  public String name() {
    return "paths";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("paths");
  }

  @Override
  public Set<String> parameters() {
    return Set.of("timeout", "bucket");
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
  public Optional<ServerSignature> serverSignature() {
    return Optional.of(
        new ServerSignature(
            "paths",
            "a paths server",
            Optional.empty(),
            Pattern.compile("\"pathsserver\":\"([^\"]*)\""),
            "paths:",
            "the tls parameter",
            false));
  }

  @Override
  public String example() {
    return "paths:./x";
  }

  @Override
  public UriOptions uriOptions() {
    return OWN.reader(new Options(), PathsTestProvider::open);
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    return open(new Options(), location, config);
  }

  private static Store open(Options options, StoreLocation location, StoreConfig config) {
    Objects.requireNonNull(config, "config");
    if (location.path().isEmpty()) {
      throw new ConfigurationException("paths: needs a path");
    }
    return MemoryStore.open(location.path() + "/" + options.bucket, config);
  }
}
