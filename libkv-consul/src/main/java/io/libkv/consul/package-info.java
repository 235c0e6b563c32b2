/**
 * The typed entry point of the Consul backend ({@code consul://} and {@code consuls://} URIs):
 * {@link io.libkv.consul.ConsulOptions}.
 */
@NullMarked
package io.libkv.consul;

import org.jspecify.annotations.NullMarked;
