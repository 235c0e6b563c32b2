/** The ZooKeeper store on Curator (sessions, nodes, listings, watches, locks), not exported. */
@NullMarked
package io.libkv.zookeeper.internal;

import org.jspecify.annotations.NullMarked;
