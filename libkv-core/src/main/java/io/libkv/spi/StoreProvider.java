package io.libkv.spi;

import io.libkv.Store;
import io.libkv.StoreConfig;
import java.util.Optional;
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

  /**
   * The URI query parameters it honours (names as in {@code docs/cli.md}), shared and its own;
   * others are refused.
   */
  Set<String> parameters();

  /**
   * Its own URI parameters, beyond the shared ones {@link StoreConfig} holds: read through {@link
   * #uriOptions()}, and each also in {@link #parameters()}. None by default.
   */
  default Set<String> ownParameters() {
    return Set.of();
  }

  /**
   * A new reader of one URI's own parameters, which opens the store with them; by default one that
   * takes none and opens with {@link #open}.
   */
  default UriOptions uriOptions() {
    return OwnParameters.<StoreProvider>none()
        .reader(this, (p, location, config) -> p.open(location, config));
  }

  /**
   * Whether its URIs name a path ({@code SCHEME:PATH}, {@code SCHEME:///abs/path}) rather than
   * {@code host:port} endpoints: the path then keeps its leading slash, and {@link
   * io.libkv.LibKV#newStore} takes it as the one "endpoint".
   */
  default boolean pathLike() {
    return false;
  }

  /**
   * How its server is told apart at an endpoint ({@link EndpointProbe}); empty (the default) for a
   * backend without a server.
   */
  default Optional<ServerSignature> serverSignature() {
    return Optional.empty();
  }

  /** A URI of its form, shown in messages as an example, e.g. {@code etcd://127.0.0.1:2379}. */
  default String example() {
    return name() + ":";
  }

  /** The schemes that mean TLS (e.g. "etcds"), where {@code tls=false} is a contradiction. */
  default Set<String> tlsSchemes() {
    return Set.of();
  }

  /**
   * Opens a store with its own options' defaults.
   *
   * @param location where: scheme, endpoints, path
   * @param config how (shared URI parameters already applied)
   * @throws io.libkv.KVException if the store cannot be opened
   */
  Store open(StoreLocation location, StoreConfig config);
}
