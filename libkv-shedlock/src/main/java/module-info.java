/** A ShedLock {@code LockProvider} over any libkv {@code Store}. */
module io.libkv.shedlock {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires transitive net.javacrumbs.shedlock.core;

  exports io.libkv.shedlock;
}
