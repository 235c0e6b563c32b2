package io.libkv.spi;

import io.libkv.Store;
import io.libkv.StoreConfig;

/**
 * A backend's own URI parameters being read for one URI (see {@link StoreProvider#uriOptions()}):
 * core hands each of them over in URI order, then opens the store if no parameter was refused.
 */
public interface UriOptions {
  /**
   * Takes one of the backend's own parameters.
   *
   * @throws IllegalArgumentException if the value is refused (the message says why)
   */
  void set(String name, String value);

  /**
   * Opens the store with what was set.
   *
   * @throws io.libkv.KVException if the store cannot be opened
   */
  Store open(StoreLocation location, StoreConfig config);
}
