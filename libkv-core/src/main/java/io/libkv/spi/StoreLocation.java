package io.libkv.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a store is: the scheme, the endpoints ({@code host:port} each) and a path (the opaque part
 * of {@code memory:NAME} and {@code boltdb:FILE}, or the percent-decoded path of a hierarchical URI
 * without its leading slash... except for a path-like scheme's ({@link StoreProvider#pathLike()}:
 * {@code boltdb:///abs}), whose path keeps it).
 */
public final class StoreLocation {
  private static final Pattern ENDPOINT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:\\d{1,5})?");

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
        Objects.requireNonNull(scheme, "scheme"),
        Objects.requireNonNull(endpoints, "endpoints"),
        Objects.requireNonNull(path, "path"));
  }

  /**
   * Whether {@code text} is an endpoint as a URI gives one: a host or {@code [IPv6]}, and an
   * optional port.
   */
  public static boolean isEndpoint(String text) {
    return ENDPOINT.matcher(text).matches();
  }

  /**
   * {@code endpoints}, checked for a typed entry point as a URI's are.
   *
   * @throws IllegalArgumentException naming the parameter {@code endpoints}: none given, or one
   *     that is not {@code host[:port]}
   */
  public static List<String> checkEndpoints(List<String> endpoints) {
    List<String> checked = new ArrayList<>();
    for (String e : Objects.requireNonNull(endpoints, "endpoints")) {
      if (!isEndpoint(Objects.requireNonNull(e, "endpoint"))) {
        throw new IllegalArgumentException(
            "endpoints: invalid endpoint \"" + e + "\" (expected host:port)");
      }
      checked.add(e);
    }
    if (checked.isEmpty()) {
      throw new IllegalArgumentException("endpoints: give at least one host:port");
    }
    return List.copyOf(checked);
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

  /**
   * The key prefix of a store at this location: the URI's path as a canonical directory, or else
   * the configuration's; the same one in both is fine.
   *
   * @param backend the backend's name, for messages
   * @throws io.libkv.ConfigurationException if the path is not a valid directory, or the path and
   *     the configuration name two different prefixes
   */
  public String prefix(io.libkv.StoreConfig config, String backend) {
    String fromUri;
    try {
      fromUri = io.libkv.Keys.canonicalDirectory(path);
    } catch (io.libkv.InvalidKeyException e) {
      throw new io.libkv.ConfigurationException(
          "invalid " + backend + " key prefix \"" + path + "\": " + e.getMessage());
    }
    String fromConfig = config.prefix();
    if (!fromUri.isEmpty() && !fromConfig.isEmpty() && !fromUri.equals(fromConfig)) {
      throw new io.libkv.ConfigurationException(
          "two key prefixes given: \""
              + fromUri
              + "\" in the URI and \""
              + fromConfig
              + "\" in the configuration");
    }
    return fromUri.isEmpty() ? fromConfig : fromUri;
  }

  @Override
  public String toString() {
    return describe();
  }
}
