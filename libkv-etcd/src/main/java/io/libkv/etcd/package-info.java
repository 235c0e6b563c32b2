/** The etcd backend's typed entry point, {@link io.libkv.etcd.EtcdOptions}. */
@NullMarked
package io.libkv.etcd;

import org.jspecify.annotations.NullMarked;
