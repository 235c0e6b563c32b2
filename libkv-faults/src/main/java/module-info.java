/**
 * libkv faults: {@link io.libkv.faults.FaultInjectingStore}, a {@code Store} decorator that injects
 * faults on command, for testing an application's failure handling without servers.
 */
module io.libkv.faults {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;

  exports io.libkv.faults;
}
