/**
 * libkv core: the user API ({@code io.libkv}), the SPI and shared machinery for backends ({@code
 * io.libkv.spi}) and the in-memory reference store ({@code io.libkv.memory}). No dependencies.
 */
module io.libkv {
  // @NullMarked/@Nullable are read at compile time only; transitive: they are part of the API's signatures
  requires static transitive org.jspecify;
  exports io.libkv;
  exports io.libkv.spi;
  exports io.libkv.memory;

  uses io.libkv.spi.StoreProvider;

  provides io.libkv.spi.StoreProvider with io.libkv.memory.MemoryStoreProvider;
}
