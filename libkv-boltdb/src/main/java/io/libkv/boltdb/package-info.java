/**
 * The {@code boltdb:} store's typed entry point and options, {@link io.libkv.boltdb.BoltdbOptions}.
 */
@NullMarked
package io.libkv.boltdb;

import org.jspecify.annotations.NullMarked;
