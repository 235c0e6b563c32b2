/**
 * A pure-Java engine for bbolt (BoltDB) database files, interchangeable with Go's {@code
 * go.etcd.io/bbolt} and {@code github.com/boltdb/bolt}. Entry point: {@link io.libkv.bolt.BoltDB}.
 */
module io.libkv.bolt {
  // @NullMarked/@Nullable are read at compile time only; transitive: they are part of the API's
  // signatures
  requires static transitive org.jspecify;
  requires com.sun.jna;

  exports io.libkv.bolt;
}
