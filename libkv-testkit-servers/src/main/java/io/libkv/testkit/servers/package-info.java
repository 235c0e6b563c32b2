/** Launchers of real servers on loopback for tests, and the Consul HTTP API emulator. */
@NullMarked
package io.libkv.testkit.servers;

import org.jspecify.annotations.NullMarked;
