/**
 * The bbolt engine behind {@link io.libkv.bolt.BoltDB}: pages, nodes, freelist, transactions and
 * file I/O; not exported.
 */
@NullMarked
package io.libkv.bolt.internal;

import org.jspecify.annotations.NullMarked;
