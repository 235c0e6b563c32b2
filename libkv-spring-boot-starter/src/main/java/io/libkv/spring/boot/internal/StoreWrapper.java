package io.libkv.spring.boot.internal;

import io.libkv.Store;

/** Decorates the store the starter opens (metrics); a bean of the optional integrations. */
@FunctionalInterface
interface StoreWrapper {
  Store wrap(Store store);
}
