/** The Consul backend ({@code consul://} and {@code consuls://} URIs) and its typed entry point {@link io.libkv.consul.ConsulOptions}. */
@NullMarked
package io.libkv.consul;

import org.jspecify.annotations.NullMarked;
