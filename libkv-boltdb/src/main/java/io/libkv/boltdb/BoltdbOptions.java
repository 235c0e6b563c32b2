package io.libkv.boltdb;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.boltdb.internal.BoltdbStoreProvider;
import io.libkv.spi.OwnParameters;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The typed entry point of the {@code boltdb:} backend, for code that builds stores without a URI
 * (dependency injection), and its own settings (URI parameters {@code bucket}, {@code mode}, {@code
 * readOnly}): immutable, each setting checked when given, the whole by {@link Builder#build()},
 * with the checks a URI gets.
 *
 * <pre>{@code
 * Store store = BoltdbOptions.builder().file(Path.of("app.db")).bucket("app").build().open();
 * }</pre>
 */
public final class BoltdbOptions {
  /** The default bucket, as Go libkv's. */
  public static final String DEFAULT_BUCKET = "libkv";

  /** How a bbolt file is held. */
  public enum FileMode {
    /** Opened per operation under the file lock, so several processes share the file. */
    SHARED,
    /** Kept open and locked for the store's life: fastest. */
    EXCLUSIVE;

    /**
     * The mode a URI's {@code mode} parameter names.
     *
     * @throws IllegalArgumentException unless {@code shared} or {@code exclusive}
     */
    public static FileMode parse(String text) {
      switch (text) {
        case "shared":
          return SHARED;
        case "exclusive":
          return EXCLUSIVE;
        default:
          throw new IllegalArgumentException("expected shared or exclusive, was \"" + text + "\"");
      }
    }
  }

  private final Path file;
  private final String bucket;
  private final @Nullable FileMode mode;
  private final boolean readOnly;
  private final StoreConfig config;

  private BoltdbOptions(Builder b) {
    file = Objects.requireNonNull(b.file, "file"); // build() refuses a builder without one
    bucket = b.bucket;
    mode = b.mode;
    readOnly = b.readOnly;
    config = b.config;
  }

  /** A builder: bucket {@code libkv}, exclusive mode, read-write, default shared settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** The bbolt file. */
  public Path file() {
    return file;
  }

  /** The bucket. */
  public String bucket() {
    return bucket;
  }

  /** The file mode, if given; the store's default is {@link FileMode#EXCLUSIVE}. */
  public Optional<FileMode> mode() {
    return Optional.ofNullable(mode);
  }

  /**
   * Whether the store only reads: the file is opened for reading only, whatever its permissions,
   * nothing is created, and every write is refused with {@link io.libkv.PermissionDeniedException}.
   */
  public boolean readOnly() {
    return readOnly;
  }

  /** The shared settings ({@code timeout} is how long to wait for the file lock). */
  public StoreConfig config() {
    return config;
  }

  /** Opens the store, as {@code LibKV.open("boltdb:FILE?...")} would with these options. */
  public Store open() {
    return BoltdbStoreProvider.open(this);
  }

  /** Builds {@link BoltdbOptions}. */
  public static final class Builder {
    private @Nullable Path file;
    private String bucket = DEFAULT_BUCKET;
    private @Nullable FileMode mode;
    private boolean readOnly;
    private StoreConfig config = StoreConfig.DEFAULT;

    private Builder() {}

    /** The bbolt file (required): created if missing, unless read-only. */
    public Builder file(Path f) {
      file = Objects.requireNonNull(f, "file");
      return this;
    }

    /** The bucket (default {@code libkv}); URI parameter {@code bucket}. */
    public Builder bucket(String name) {
      bucket = OwnParameters.nonEmpty("bucket", name);
      return this;
    }

    /** The file mode (default exclusive); URI parameter {@code mode}. */
    public Builder mode(FileMode m) {
      mode = Objects.requireNonNull(m, "mode");
      return this;
    }

    /**
     * Read-only use (default false): see {@link BoltdbOptions#readOnly()}; URI parameter {@code
     * readOnly}.
     */
    public Builder readOnly(boolean v) {
      readOnly = v;
      return this;
    }

    /** The shared settings (default {@link StoreConfig#DEFAULT}). */
    public Builder config(StoreConfig c) {
      config = Objects.requireNonNull(c, "config");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if no file is given, or naming each setting of the
     *     configuration that cannot take effect on a file (TLS, credentials)
     */
    public BoltdbOptions build() {
      if (file == null) {
        throw new IllegalArgumentException("file: give the bbolt file's path");
      }
      OwnParameters.requireApplicable(config, new BoltdbStoreProvider(), "boltdb");
      return new BoltdbOptions(this);
    }
  }
}
