package io.libkv.spi;

import io.libkv.Store;
import io.libkv.StoreConfig;
import java.util.Set;

/**
 * A backend, found through {@link java.util.ServiceLoader}: declare it with {@code provides
 * io.libkv.spi.StoreProvider with ...} in the module descriptor and in {@code
 * META-INF/services/io.libkv.spi.StoreProvider} for class-path users.
 */
public interface StoreProvider {
  /** The SPI version this core implements; providers built against another one are refused. */
  int API_VERSION = 1;

  /** The SPI version the provider was built against. */
  default int apiVersion() {
    return API_VERSION;
  }

  /** The backend's name, e.g. "etcd". */
  String name();

  /** The URI schemes it handles, e.g. "etcd" and "etcds". */
  Set<String> schemes();

  /** The URI query parameters it honours (names as in {@code docs/cli.md}); others are refused. */
  Set<String> parameters();

  /** The schemes that mean TLS (e.g. "etcds"), where {@code tls=false} is a contradiction. */
  default Set<String> tlsSchemes() {
    return Set.of();
  }

  /**
   * Opens a store.
   *
   * @param location where: scheme, endpoints, path
   * @param config how (URI parameters already applied)
   * @throws io.libkv.KVException if the store cannot be opened
   */
  Store open(StoreLocation location, StoreConfig config);
}
