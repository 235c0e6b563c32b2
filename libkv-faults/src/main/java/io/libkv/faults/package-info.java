/**
 * Fault injection for tests of code built on {@link io.libkv.Store}: {@link
 * io.libkv.faults.FaultInjectingStore} wraps any store and refuses, delays or loses calls, makes
 * writes' outcomes unknown, suspends and loses its session and drops its watches, on command.
 */
@NullMarked
package io.libkv.faults;

import org.jspecify.annotations.NullMarked;
