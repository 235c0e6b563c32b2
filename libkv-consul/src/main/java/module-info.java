/**
 * libkv's Consul backend: {@code consul://} and {@code consuls://} store URIs, on Consul's HTTP API
 * with the JDK's HTTP client. Stores are opened through {@code io.libkv.LibKV}, which finds the
 * backend as a service, or through the typed entry point {@code io.libkv.consul.ConsulOptions}, the
 * one public type of its one exported package besides the provider.
 */
module io.libkv.consul {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires java.net.http;
  requires com.fasterxml.jackson.databind;

  exports io.libkv.consul;

  provides io.libkv.spi.StoreProvider with
      io.libkv.consul.internal.ConsulStoreProvider;
}
