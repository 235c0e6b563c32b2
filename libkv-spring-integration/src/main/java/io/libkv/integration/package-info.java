/**
 * Spring Integration's {@code LockRegistry} over {@link io.libkv.Store#newLock}: {@link
 * io.libkv.integration.LibkvLockRegistry} and its {@link io.libkv.integration.LibkvLock}.
 */
@NullMarked
package io.libkv.integration;

import org.jspecify.annotations.NullMarked;
