/**
 * libkv's etcd v3 backend, on jetcd. Open stores with {@code
 * LibKV.open("etcd://host:port[,host:port...][/prefix]")}, the provider being found through {@link
 * java.util.ServiceLoader}, or with the typed entry point {@code io.libkv.etcd.EtcdOptions}, the one
 * exported type.
 */
module io.libkv.etcd {
  requires transitive io.libkv;
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

  exports io.libkv.etcd;

  provides io.libkv.spi.StoreProvider with io.libkv.etcd.internal.EtcdStoreProvider;
}
