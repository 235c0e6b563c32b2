package io.libkv.recipes;

import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/** Clients of one fresh memory: data set per test, and everything opened closed after it. */
abstract class MemoryClients {
  private final String name = getClass().getSimpleName() + "-" + UUID.randomUUID();
  private final List<AutoCloseable> open = new ArrayList<>();

  MemoryStore store() {
    MemoryStore s = MemoryStore.open(name, StoreConfig.DEFAULT);
    open.add(s);
    return s;
  }

  <T extends AutoCloseable> T track(T c) {
    open.add(0, c);
    return c;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    MemoryStore.drop(name);
  }
}
