/** The ZooKeeper backend's typed entry point, {@link io.libkv.zookeeper.ZooKeeperOptions}. */
@NullMarked
package io.libkv.zookeeper;

import org.jspecify.annotations.NullMarked;
