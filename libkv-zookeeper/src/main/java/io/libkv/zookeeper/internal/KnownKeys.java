package io.libkv.zookeeper.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keys this store recently saw exist (written or read), so that a put over one tries ZooKeeper's
 * {@code setData} first, one round trip, instead of a {@code create} that fails first. A hint, not
 * a fact: a wrong guess costs one round trip either way (a {@code setData} on a node that is gone
 * falls back to {@code create}; a {@code create} of a node that exists falls back to {@code
 * setData}), never correctness. Bounded: the oldest entries are dropped.
 */
final class KnownKeys {
  private static final int MAX = 4096;

  private final Map<String, Boolean> keys =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > MAX;
        }
      };

  synchronized boolean contains(String key) {
    return keys.get(key) != null;
  }

  synchronized void add(String key) {
    keys.put(key, Boolean.TRUE);
  }

  synchronized void forget(String key) {
    keys.remove(key);
  }
}
