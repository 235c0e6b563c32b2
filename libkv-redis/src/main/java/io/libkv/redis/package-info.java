/** The Redis backend's typed entry point, {@link io.libkv.redis.RedisOptions}. */
@NullMarked
package io.libkv.redis;

import org.jspecify.annotations.NullMarked;
