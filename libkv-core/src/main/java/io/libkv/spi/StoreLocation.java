package io.libkv.spi;

import java.util.List;
import java.util.Objects;

/**
 * Where a store is: the scheme, the endpoints ({@code host:port} each) and a path (the opaque part
 * of {@code memory:NAME} and {@code boltdb:FILE}, or the percent-decoded path of a hierarchical URI
 * without its leading slash... except for {@code boltdb:///abs}, whose path keeps it).
 */
public final class StoreLocation {
  private final String scheme;
  private final List<String> endpoints;
  private final String path;

  private StoreLocation(String scheme, List<String> endpoints, String path) {
    this.scheme = scheme;
    this.endpoints = List.copyOf(endpoints);
    this.path = path;
  }

  /** A location. */
  public static StoreLocation of(String scheme, List<String> endpoints, String path) {
    return new StoreLocation(
        Objects.requireNonNull(scheme, "scheme"), Objects.requireNonNull(endpoints, "endpoints"),
        Objects.requireNonNull(path, "path"));
  }

  /** The scheme, lower case. */
  public String scheme() {
    return scheme;
  }

  /** The endpoints, possibly empty. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The path, possibly empty. */
  public String path() {
    return path;
  }

  /** The location as a URI without query: no secrets. */
  public String describe() {
    StringBuilder b = new StringBuilder(scheme).append(':');
    if (!endpoints.isEmpty()) {
      b.append("//").append(String.join(",", endpoints));
      if (!path.isEmpty()) {
        b.append(path.startsWith("/") ? "" : "/");
      }
    }
    return b.append(path).toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
