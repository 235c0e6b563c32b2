package io.libkv.util;

import io.libkv.Store;
import java.util.function.UnaryOperator;

/**
 * A decoration of stores that a URI parameter asks for, found through {@link
 * java.util.ServiceLoader} as backends are: {@code LibKV.open("memory:x?metrics=true")} wraps the
 * opened store with the decorator whose {@link #parameter()} is {@code metrics}. Declare it with
 * {@code provides io.libkv.util.StoreDecorator with ...} in the module descriptor and in {@code
 * META-INF/services/io.libkv.util.StoreDecorator} for class-path users.
 *
 * <p>A decorator's parameter is taken by every backend. Without the module providing it on the
 * class path the parameter is unknown, and the URI is refused ({@link
 * io.libkv.ConfigurationException}), never ignored.
 */
public interface StoreDecorator {
  /**
   * The URI parameter that asks for this decoration, e.g. {@code metrics}; no other installed
   * decorator, and no shared or backend parameter, may have it.
   */
  String parameter();

  /**
   * Reads the parameter's value, before the store is opened.
   *
   * @return what to do with the opened store: wrap it, or return it as it is (for a value that
   *     turns the decoration off)
   * @throws IllegalArgumentException if the value is not one it takes (the URI is then refused with
   *     the other problems found)
   */
  UnaryOperator<Store> decoration(String value);
}
