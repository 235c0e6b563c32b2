/** A Spring Integration {@code LockRegistry} over the locks of any libkv {@code Store}. */
module io.libkv.integration {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires transitive spring.integration.core;

  exports io.libkv.integration;
}
