/**
 * libkv on Apache ZooKeeper, through Apache Curator. Users open it by URI ({@code zk://...}, {@code
 * zookeeper://...}), {@code LibKV.newStore("zk", ...)} or the typed entry point {@code
 * io.libkv.zookeeper.ZooKeeperOptions}, the one public type of the exported package besides the
 * provider.
 *
 * <p>ZooKeeper 3.9's jars split packages ({@code zookeeper} and {@code zookeeper-jute} both hold
 * {@code org.apache.zookeeper.server.quorum}), so they cannot both be modules: {@code
 * zookeeper-jute} stays on the class path and this module reads it with {@code --add-reads
 * io.libkv.zookeeper=ALL-UNNAMED}. The class path is the supported way to run it.
 */
module io.libkv.zookeeper {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires curator.framework;
  requires curator.client;
  requires zookeeper;

  exports io.libkv.zookeeper;

  provides io.libkv.spi.StoreProvider with
      io.libkv.zookeeper.internal.ZooKeeperStoreProvider;
}
