/**
 * libkv's Consul backend: {@code consul://} and {@code consuls://} store URIs, on Consul's HTTP
 * API with the JDK's HTTP client. It exports nothing: stores are opened through {@code
 * io.libkv.LibKV}, which finds the backend as a service.
 */
module io.libkv.consul {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires io.libkv;
  requires java.net.http;
  requires com.fasterxml.jackson.databind;

  provides io.libkv.spi.StoreProvider with io.libkv.consul.ConsulStoreProvider;
}
