package io.libkv.memory;

import io.libkv.StoreConfig;
import io.libkv.spi.OwnParameters;
import java.util.Objects;

/**
 * The typed entry point of the {@code memory:} backend, for code that builds stores without a URI
 * (dependency injection): immutable, checked by {@link Builder#build()}.
 *
 * <pre>{@code
 * MemoryStore store = MemoryOptions.builder().name("app").build().open();
 * }</pre>
 */
public final class MemoryOptions {
  private final String name;
  private final StoreConfig config;

  private MemoryOptions(Builder b) {
    name = b.name;
    config = b.config;
  }

  /** A builder: private data, default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** The shared name ({@code memory:NAME}); empty for private data. */
  public String name() {
    return name;
  }

  /** The shared settings. */
  public StoreConfig config() {
    return config;
  }

  /** Opens the store, as {@code LibKV.open("memory:" + name())} would with {@link #config()}. */
  public MemoryStore open() {
    return MemoryStore.open(name, config);
  }

  /** Builds {@link MemoryOptions}. */
  public static final class Builder {
    private String name = "";
    private StoreConfig config = StoreConfig.DEFAULT;

    private Builder() {}

    /** The name that stores of this JVM share data under; empty (the default) for private data. */
    public Builder name(String n) {
      name = Objects.requireNonNull(n, "name");
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
     * @throws IllegalArgumentException naming each setting of the configuration that cannot take
     *     effect in memory (TLS, credentials)
     */
    public MemoryOptions build() {
      OwnParameters.requireApplicable(config, new MemoryStoreProvider(), "memory");
      return new MemoryOptions(this);
    }
  }
}
