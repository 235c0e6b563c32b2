/**
 * The {@code boltdb:} store on a bbolt file in Go libkv's layout: provider, store, locks; not
 * exported.
 */
@NullMarked
package io.libkv.boltdb.internal;

import org.jspecify.annotations.NullMarked;
