/** Launchers of real servers on loopback for libkv's tests, and the Consul HTTP API emulator. */
module io.libkv.testkit.servers {
  // @NullMarked/@Nullable are read at compile time only; transitive: they are part of the API's
  // signatures
  requires static transitive org.jspecify;
  requires jdk.httpserver;
  requires java.net.http;
  requires com.fasterxml.jackson.databind;
  requires curator.test;
  requires zookeeper;

  exports io.libkv.testkit.servers;
}
