/**
 * The {@code boltdb:} store: a libkv Store on a bbolt file, in Go libkv's layout. Exports its typed
 * entry point and options ({@code io.libkv.boltdb.BoltdbOptions}) only.
 */
module io.libkv.boltdb {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires io.libkv.bolt;

  exports io.libkv.boltdb;

  provides io.libkv.spi.StoreProvider with
      io.libkv.boltdb.internal.BoltdbStoreProvider;
}
