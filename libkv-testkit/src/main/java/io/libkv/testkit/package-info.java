/** The conformance kit every backend's test extends, its fault SPI, leak check and shared waits. */
@NullMarked
package io.libkv.testkit;

import org.jspecify.annotations.NullMarked;
