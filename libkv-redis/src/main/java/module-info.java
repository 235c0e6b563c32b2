/**
 * libkv's Redis backend: {@code redis://} and {@code rediss://} store URIs on Redis 7 (standalone,
 * Sentinel or Cluster) through Lettuce. Stores are opened through {@code io.libkv.LibKV}, which
 * finds the backend as a service, or through the typed entry point {@code
 * io.libkv.redis.RedisOptions}, the one public type of its one exported package besides the
 * provider.
 */
module io.libkv.redis {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires lettuce.core;

  exports io.libkv.redis;

  provides io.libkv.spi.StoreProvider with
      io.libkv.redis.internal.RedisStoreProvider;
}
