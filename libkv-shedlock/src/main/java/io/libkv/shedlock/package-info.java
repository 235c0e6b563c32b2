/**
 * ShedLock's {@code LockProvider} over a {@link io.libkv.Store}: {@link
 * io.libkv.shedlock.LibkvLockProvider}.
 */
@NullMarked
package io.libkv.shedlock;

import org.jspecify.annotations.NullMarked;
