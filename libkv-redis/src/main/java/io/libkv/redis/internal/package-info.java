/**
 * The Redis store on Lettuce (connections, the store's script, the change stream reader, sessions,
 * locks), not exported.
 */
@NullMarked
package io.libkv.redis.internal;

import org.jspecify.annotations.NullMarked;
