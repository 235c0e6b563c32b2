/**
 * libkv's etcd v3 backend, on grpc-java and etcd's generated gRPC stubs. Exports nothing: open
 * stores with {@code LibKV.open("etcd://host:port[,host:port...][/prefix]")}; the provider is found
 * through {@link java.util.ServiceLoader}.
 */
module io.libkv.etcd {
  requires io.libkv;
  requires jetcd.grpc;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.util;
  requires io.grpc.netty;
  requires com.google.protobuf;
  requires io.netty.handler;
  requires io.netty.transport;

  provides io.libkv.spi.StoreProvider with io.libkv.etcd.internal.EtcdStoreProvider;
}
