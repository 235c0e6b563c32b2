/**
 * Micrometer metrics for any libkv store: {@link io.libkv.micrometer.MeteredStore}, and the {@code
 * metrics} URI parameter that wraps a store opened by URI with it.
 */
module io.libkv.micrometer {
  // @NullMarked/@Nullable are read at compile time only; transitive: atomicPut names @Nullable
  requires static transitive org.jspecify;
  requires transitive io.libkv;
  requires transitive micrometer.core;

  exports io.libkv.micrometer;

  provides io.libkv.util.StoreDecorator with
      io.libkv.micrometer.internal.MetricsDecorator;
}
