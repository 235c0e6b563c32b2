/**
 * libkv's etcd v3 backend, on jetcd. Exports nothing: open stores with {@code
 * LibKV.open("etcd://host:port[,host:port...][/prefix]")}; the provider is found through {@link
 * java.util.ServiceLoader}.
 */
module io.libkv.etcd {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires io.libkv;
  requires jetcd.core;
  requires jetcd.api;
  requires jetcd.common;
  requires jetcd.grpc;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.util;
  requires io.grpc.netty;
  requires com.google.protobuf;
  requires io.netty.handler;

  provides io.libkv.spi.StoreProvider with io.libkv.etcd.internal.EtcdStoreProvider;
}
