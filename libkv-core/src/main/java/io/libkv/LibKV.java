package io.libkv;

import io.libkv.internal.ProviderRegistry;
import io.libkv.internal.UriParser;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Opens stores by URI or programmatically.
 *
 * <pre>{@code
 * try (Store store = LibKV.open("etcd://127.0.0.1:2379/app?timeout=5s")) {
 *   store.put("config/colour", "blue".getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <p>URI forms and parameters are listed in {@code docs/cli.md}. Backends are found through {@link
 * java.util.ServiceLoader}; an unknown scheme fails with {@link BackendNotSupportedException}
 * listing the installed ones.
 */
public final class LibKV {
  private LibKV() {}

  /**
   * Opens the store a URI names, with default settings for what the URI leaves out.
   *
   * @throws ConfigurationException if the URI or a parameter is invalid (every problem listed)
   * @throws BackendNotSupportedException if no installed backend handles the scheme
   * @throws StoreUnavailableException if the store cannot be reached in time
   */
  public static Store open(String uri) {
    return open(uri, StoreConfig.DEFAULT);
  }

  /**
   * Opens the store a URI names, its parameters applied over {@code base} (which may carry what a
   * URI cannot: an {@code SSLContext}, secrets, a time source).
   */
  public static Store open(String uri, StoreConfig base) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(base, "base");
    UriParser.Parsed parsed = UriParser.parse(uri);
    StoreLocation loc = parsed.location();
    StoreProvider provider = ProviderRegistry.forScheme(loc.scheme());
    return provider.open(loc, configure(uri, parsed, base, provider));
  }

  /** The configuration a parsed URI describes for a provider, over {@code base}. */
  static StoreConfig configure(String uri, UriParser.Parsed parsed, StoreConfig base, StoreProvider provider) {
    StoreConfig.Builder b = base.toBuilder();
    List<String> problems = UriParser.apply(parsed.parameters(), provider.parameters(), provider.name(), b);
    List<String> own = b.problems();
    problems.addAll(own);
    // settings a backend does not take are listed even when others are wrong too
    StoreConfig config = own.size() == b.unpairedCount() ? b.build() : null;
    if (config != null) {
      problems.addAll(unsupported(parsed.location().scheme(), config, provider));
    }
    if (!problems.isEmpty()) {
      throw new ConfigurationException("invalid store URI \"" + UriParser.redact(uri) + "\": "
          + String.join("; ", problems));
    }
    // null only when the builder had problems of its own, and then problems was not empty
    return Objects.requireNonNull(config, "config");
  }

  /**
   * The TLS and credential settings that could not take effect on this backend: those it does not
   * take (given through the configuration rather than the URI), and {@code tls=false} on a scheme
   * that means TLS.
   */
  private static List<String> unsupported(String scheme, StoreConfig config, StoreProvider provider) {
    List<String> problems = new ArrayList<>();
    Set<String> refused = new TreeSet<>();
    for (String s : config.securitySettings()) {
      String parameter = s.equals("sslContext") ? "tls" : s.equals("password") ? "passwordFile"
          : s.equals("token") ? "tokenFile" : s;
      if (!provider.parameters().contains(parameter)) {
        refused.add(s);
      }
    }
    if (!refused.isEmpty()) {
      problems.add("setting(s) " + String.join(", ", refused) + " do not apply to " + provider.name()
          + " (it takes: " + String.join(", ", new TreeSet<>(provider.parameters())) + ")");
    }
    if (config.readOnly() && !provider.parameters().contains("readOnly")) {
      problems.add("readOnly does not apply to " + provider.name() + ": it cannot refuse writes");
    }
    if (provider.tlsSchemes().contains(scheme) && config.tlsParameter().equals(Optional.of(false))) {
      problems.add("tls=false contradicts the scheme " + scheme + ":, which means TLS");
    }
    return problems;
  }

  /**
   * Opens a store without a URI.
   *
   * @param scheme the backend's scheme ("etcd", "boltdb", "memory", ...)
   * @param endpoints {@code host:port} each; for {@code boltdb} the file path, for {@code memory}
   *     the shared name (or none)
   * @param config settings
   */
  public static Store newStore(String scheme, List<String> endpoints, StoreConfig config) {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(config, "config");
    StoreProvider provider = ProviderRegistry.forScheme(scheme);
    boolean pathLike = "boltdb".equals(scheme) || "memory".equals(scheme);
    StoreLocation loc = pathLike
        ? StoreLocation.of(scheme, List.of(), endpoints.isEmpty() ? "" : endpoints.get(0))
        : StoreLocation.of(scheme, endpoints, "");
    List<String> problems = config.unpaired();
    problems.addAll(unsupported(scheme, config, provider));
    if (!problems.isEmpty()) {
      throw new ConfigurationException("invalid configuration for " + loc.describe() + ": " + String.join("; ", problems));
    }
    return provider.open(loc, config);
  }

  /** The URI schemes of every installed backend, sorted. */
  public static List<String> installedSchemes() {
    return ProviderRegistry.schemes();
  }
}
