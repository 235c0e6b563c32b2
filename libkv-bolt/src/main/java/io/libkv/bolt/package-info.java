/**
 * A pure-Java engine for bbolt (BoltDB) files, readable and writable by Go's {@code
 * go.etcd.io/bbolt} and {@code github.com/boltdb/bolt}.
 *
 * <p>Open a file with {@link io.libkv.bolt.BoltDB#open(java.nio.file.Path,
 * io.libkv.bolt.BoltOptions)}, then work in transactions ({@link io.libkv.bolt.BoltDB#view}, {@link
 * io.libkv.bolt.BoltDB#update}): buckets ({@link io.libkv.bolt.Bucket}) hold keys and nested
 * buckets, cursors ({@link io.libkv.bolt.Cursor}) iterate them in unsigned byte order. Errors are
 * unchecked {@link io.libkv.bolt.BoltException}s. The format, as this engine reads and writes it,
 * is described in the repository's {@code docs/bbolt-format.md}.
 */
@NullMarked
package io.libkv.bolt;

import org.jspecify.annotations.NullMarked;
