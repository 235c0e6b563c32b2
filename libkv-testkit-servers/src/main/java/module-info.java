/** Launchers of real servers on loopback for libkv's tests, and the Consul HTTP API emulator. */
module io.libkv.testkit.servers {
  requires jdk.httpserver;
  requires java.net.http;
  requires com.fasterxml.jackson.databind;

  exports io.libkv.testkit.servers;
}
