/**
 * libkv core: the user API ({@code io.libkv}) and utilities for code built on it ({@code
 * io.libkv.util}), the SPI and shared machinery for backends ({@code io.libkv.spi}) and the
 * in-memory reference store ({@code io.libkv.memory}). No dependencies.
 */
// the kit, built after core, is not found when core compiles
@SuppressWarnings("module")
module io.libkv {
  // @NullMarked/@Nullable are read at compile time only; transitive: they are part of the API's
  // signatures
  requires static transitive org.jspecify;

  exports io.libkv;
  exports io.libkv.util;
  exports io.libkv.spi;
  exports io.libkv.memory;
  // the leak counters the conformance kit reads: neither user API nor SPI
  exports io.libkv.internal.kit to
      io.libkv.testkit;

  uses io.libkv.spi.StoreProvider;
  uses io.libkv.util.StoreDecorator;

  provides io.libkv.spi.StoreProvider with
      io.libkv.memory.MemoryStoreProvider;
}
