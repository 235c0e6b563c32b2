/**
 * The Consul backend behind {@link io.libkv.consul.ConsulOptions}: provider, store, HTTP client,
 * locks and watches; not exported.
 */
@NullMarked
package io.libkv.consul.internal;

import org.jspecify.annotations.NullMarked;
