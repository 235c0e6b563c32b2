/**
 * libkv's etcd v3 backend, on grpc-java and etcd's generated gRPC stubs. Open stores with {@code
 * LibKV.open("etcd://host:port[,host:port...][/prefix]")}, the provider being found through {@link
 * java.util.ServiceLoader}, or with the typed entry point {@code io.libkv.etcd.EtcdOptions}, the
 * one exported type.
 */
module io.libkv.etcd {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires jetcd.grpc;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.util;
  requires io.grpc.netty;
  requires com.google.protobuf;
  requires io.netty.handler;
  requires io.netty.transport;

  exports io.libkv.etcd;

  provides io.libkv.spi.StoreProvider with
      io.libkv.etcd.internal.EtcdStoreProvider;
}
