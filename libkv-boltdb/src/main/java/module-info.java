/** The {@code boltdb:} store: a libkv Store on a bbolt file, in Go libkv's layout. Exports nothing. */
module io.libkv.boltdb {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires io.libkv;
  requires io.libkv.bolt;

  provides io.libkv.spi.StoreProvider with io.libkv.boltdb.internal.BoltdbStoreProvider;
}
