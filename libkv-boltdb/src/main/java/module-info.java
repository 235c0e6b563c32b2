/** The {@code boltdb:} store: a libkv Store on a bbolt file, in Go libkv's layout. Exports nothing. */
module io.libkv.boltdb {
  requires io.libkv;
  requires io.libkv.bolt;

  provides io.libkv.spi.StoreProvider with io.libkv.boltdb.internal.BoltdbStoreProvider;
}
