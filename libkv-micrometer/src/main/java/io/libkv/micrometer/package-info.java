/** Micrometer metrics for any {@link io.libkv.Store}: {@link io.libkv.micrometer.MeteredStore}. */
@NullMarked
package io.libkv.micrometer;

import org.jspecify.annotations.NullMarked;
