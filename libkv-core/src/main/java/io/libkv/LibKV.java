package io.libkv;

import io.libkv.internal.ProviderRegistry;
import io.libkv.internal.UriParser;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.spi.UriOptions;
import io.libkv.util.StoreDecorator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

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
    return open(uri, base, Map.of());
  }

  /**
   * Opens the store a URI names, its parameters applied over {@code base}, and {@code defaults}
   * applied as if in the URI where it does not give them (a command line's default for a backend's
   * own parameter, say). Defaults are checked as the URI's parameters are.
   */
  public static Store open(String uri, StoreConfig base, Map<String, String> defaults) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(defaults, "defaults");
    UriParser.Parsed parsed = UriParser.parse(uri);
    StoreLocation loc = parsed.location();
    StoreProvider provider = ProviderRegistry.forScheme(loc.scheme());
    Map<String, String> parameters = new LinkedHashMap<>(parsed.parameters());
    defaults.forEach(parameters::putIfAbsent);
    List<String> problems = new ArrayList<>();
    List<UnaryOperator<Store>> decorations = decorations(parameters, problems);
    UriOptions own = provider.uriOptions();
    Store store =
        own.open(loc, configure(uri, parameters, loc.scheme(), base, provider, own, problems));
    try {
      for (UnaryOperator<Store> d : decorations) {
        store = d.apply(store);
      }
      return store;
    } catch (RuntimeException | Error e) {
      store.close();
      throw e;
    }
  }

  /**
   * Takes the parameters of installed store decorators out of {@code parameters}: the decorations
   * they ask for, in the URI's order; a value a decorator refuses is a problem.
   */
  private static List<UnaryOperator<Store>> decorations(
      Map<String, String> parameters, List<String> problems) {
    Map<String, StoreDecorator> installed = ProviderRegistry.decorators();
    List<UnaryOperator<Store>> out = new ArrayList<>();
    for (var it = parameters.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, String> e = it.next();
      StoreDecorator d = installed.get(e.getKey());
      if (d != null) {
        it.remove();
        try {
          out.add(Objects.requireNonNull(d.decoration(e.getValue()), "decoration"));
        } catch (IllegalArgumentException ex) {
          problems.add("parameter '" + e.getKey() + "': " + ex.getMessage());
        }
      }
    }
    return out;
  }

  /** The configuration a parsed URI describes for a provider, over {@code base}. */
  static StoreConfig configure(
      String uri, UriParser.Parsed parsed, StoreConfig base, StoreProvider provider) {
    return configure(
        uri,
        parsed.parameters(),
        parsed.location().scheme(),
        base,
        provider,
        provider.uriOptions(),
        new ArrayList<>());
  }

  /**
   * The shared configuration URI parameters describe for a provider, over {@code base}; its own
   * parameters go to {@code own}. Every problem, shared and own and {@code earlier} ones, is listed
   * in one exception.
   */
  private static StoreConfig configure(
      String uri,
      Map<String, String> parameters,
      String scheme,
      StoreConfig base,
      StoreProvider provider,
      UriOptions own,
      List<String> earlier) {
    StoreConfig.Builder b = base.toBuilder();
    List<String> problems = new ArrayList<>(earlier);
    problems.addAll(
        UriParser.apply(parameters, provider, ProviderRegistry.ownParameters(), b, own));
    List<String> configProblems = b.problems();
    problems.addAll(configProblems);
    // settings a backend does not take are listed even when others are wrong too
    StoreConfig config = configProblems.size() == b.unpairedCount() ? b.build() : null;
    if (config != null) {
      problems.addAll(config.unsupported(provider, scheme));
    }
    if (!problems.isEmpty()) {
      throw new ConfigurationException(
          "invalid store URI \"" + UriParser.redact(uri) + "\": " + String.join("; ", problems));
    }
    // null only when the builder had problems of its own, and then problems was not empty
    return Objects.requireNonNull(config, "config");
  }

  /**
   * Opens a store without a URI.
   *
   * @param scheme the backend's scheme ("etcd", "boltdb", "memory", ...)
   * @param endpoints {@code host:port} each; for a backend whose URIs name a path ({@code boltdb}:
   *     the file, {@code memory}: the shared name) that path, or none
   * @param config settings
   */
  public static Store newStore(String scheme, List<String> endpoints, StoreConfig config) {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(config, "config");
    StoreProvider provider = ProviderRegistry.forScheme(scheme);
    StoreLocation loc =
        provider.pathLike()
            ? StoreLocation.of(scheme, List.of(), endpoints.isEmpty() ? "" : endpoints.get(0))
            : StoreLocation.of(scheme, endpoints, "");
    List<String> problems = config.problemsOn(provider, scheme);
    if (!problems.isEmpty()) {
      throw new ConfigurationException(
          "invalid configuration for " + loc.describe() + ": " + String.join("; ", problems));
    }
    return provider.open(loc, config);
  }

  /** The URI schemes of every installed backend, sorted. */
  public static List<String> installedSchemes() {
    return ProviderRegistry.schemes();
  }
}
