package io.libkv.zookeeper.internal;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/** Helpers shared by the ZooKeeper tests: stores on a chroot of their own, raw clients. */
final class ZkTesting {
  private static final AtomicInteger SEQ = new AtomicInteger();

  private ZkTesting() {}

  /** A chroot no other test uses. */
  static String freshChroot(String name) {
    return "t" + ProcessHandle.current().pid() + "-" + name + "-" + SEQ.incrementAndGet();
  }

  /**
   * A store on {@code connect} below {@code chroot} ("" for none), with URI parameters {@code
   * query}.
   */
  static ZooKeeperStore open(String connect, String chroot, String query) {
    return open(connect, chroot, query, StoreConfig.DEFAULT);
  }

  static ZooKeeperStore open(String connect, String chroot, String query, StoreConfig base) {
    String uri =
        "zk://"
            + connect
            + (chroot.isEmpty() ? "" : "/" + chroot)
            + (query.isEmpty() ? "" : "?" + query);
    Store s = LibKV.open(uri, base);
    return (ZooKeeperStore) s;
  }

  /** A raw Curator client, for checks below the API and for baselines. */
  static CuratorFramework raw(String connect) {
    CuratorFramework c =
        CuratorFrameworkFactory.newClient(connect, 10_000, 5_000, new RetryOneTime(100));
    c.start();
    try {
      if (!c.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("raw client not connected");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return c;
  }

  static Duration ms(long n) {
    return Duration.ofMillis(n);
  }
}
