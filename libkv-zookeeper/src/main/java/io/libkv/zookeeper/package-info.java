/** The ZooKeeper backend's public entry points: {@link io.libkv.zookeeper.ZooKeeperOptions} and the store provider. */
@NullMarked
package io.libkv.zookeeper;

import org.jspecify.annotations.NullMarked;
