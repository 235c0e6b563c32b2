package io.libkv.internal;

import io.libkv.BackendNotSupportedException;
import io.libkv.ConfigurationException;
import io.libkv.spi.ServerSignature;
import io.libkv.spi.StoreProvider;
import io.libkv.util.StoreDecorator;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Finds backends through {@link ServiceLoader}, loudly: an unknown scheme lists the installed ones,
 * two providers of one scheme name both, a provider of another SPI version is refused.
 */
public final class ProviderRegistry {
  private static volatile @Nullable Map<String, StoreProvider> cached;
  private static volatile @Nullable Map<String, StoreDecorator> cachedDecorators;

  private ProviderRegistry() {}

  /** The provider of {@code scheme}. */
  public static StoreProvider forScheme(String scheme) {
    StoreProvider p = providers().get(scheme);
    if (p == null) {
      throw new BackendNotSupportedException(
          "no installed backend handles scheme \""
              + scheme
              + "\"; installed schemes: "
              + String.join(", ", providers().keySet()));
    }
    return p;
  }

  /** Every installed scheme, sorted. */
  public static List<String> schemes() {
    return new ArrayList<>(providers().keySet());
  }

  /** Every installed backend's own parameters, in the order of their schemes. */
  public static Set<String> ownParameters() {
    Set<String> own = new LinkedHashSet<>();
    for (StoreProvider p : distinct()) {
      own.addAll(p.ownParameters());
    }
    return own;
  }

  /** Whether an installed backend takes {@code scheme} and names a path with it. */
  public static boolean pathLike(String scheme) {
    StoreProvider p = providers().get(scheme);
    return p != null && p.pathLike();
  }

  /** An example URI of each installed backend, path-like ones first. */
  public static List<String> examples() {
    List<String> examples = new ArrayList<>();
    for (boolean pathLike : new boolean[] {true, false}) {
      for (StoreProvider p : distinct()) {
        if (p.pathLike() == pathLike) {
          examples.add(p.example());
        }
      }
    }
    return examples;
  }

  /** The server signatures of the installed backends, in the order of their schemes. */
  public static List<ServerSignature> signatures() {
    List<ServerSignature> all = new ArrayList<>();
    for (StoreProvider p : distinct()) {
      p.serverSignature().ifPresent(all::add);
    }
    return all;
  }

  /** The server signature of the installed backend named {@code name}, if it has one. */
  public static Optional<ServerSignature> signature(String name) {
    return distinct().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .flatMap(StoreProvider::serverSignature);
  }

  /** Every installed store decorator, by its URI parameter. */
  public static Map<String, StoreDecorator> decorators() {
    Map<String, StoreDecorator> m = cachedDecorators;
    if (m == null) {
      synchronized (ProviderRegistry.class) {
        m = cachedDecorators;
        if (m == null) {
          Set<String> taken = new LinkedHashSet<>(UriParser.sharedParameters());
          taken.addAll(ownParameters());
          m = loadDecorators(ProviderRegistry.class.getClassLoader(), taken);
          cachedDecorators = m;
        }
      }
    }
    return m;
  }

  static Map<String, StoreDecorator> loadDecorators(ClassLoader loader, Set<String> taken) {
    Map<String, StoreDecorator> m = new TreeMap<>();
    try {
      for (StoreDecorator d : serviceLoader(StoreDecorator.class, loader)) {
        String parameter = d.parameter();
        StoreDecorator prev = m.putIfAbsent(parameter, d);
        if (prev != null && !prev.getClass().equals(d.getClass())) {
          throw new ConfigurationException(
              "two store decorators take parameter \""
                  + parameter
                  + "\": "
                  + where(prev)
                  + " and "
                  + where(d)
                  + "; remove one from the class path");
        }
        if (taken.contains(parameter)) {
          throw new ConfigurationException(
              "store decorator "
                  + where(d)
                  + " takes parameter \""
                  + parameter
                  + "\", which is a store parameter already");
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new ConfigurationException("a libkv store decorator failed to load: " + e.getMessage());
    }
    return m;
  }

  private static Set<StoreProvider> distinct() {
    return new LinkedHashSet<>(providers().values());
  }

  private static Map<String, StoreProvider> providers() {
    Map<String, StoreProvider> m = cached;
    if (m == null) {
      synchronized (ProviderRegistry.class) {
        m = cached;
        if (m == null) {
          m = load(ProviderRegistry.class.getClassLoader());
          cached = m;
        }
      }
    }
    return m;
  }

  static Map<String, StoreProvider> load(ClassLoader loader) {
    Map<String, StoreProvider> m = new TreeMap<>();
    try {
      for (StoreProvider p : serviceLoader(StoreProvider.class, loader)) {
        if (p.apiVersion() != StoreProvider.API_VERSION) {
          throw new ConfigurationException(
              "backend "
                  + p.name()
                  + " ("
                  + p.getClass().getName()
                  + ") was built for libkv SPI version "
                  + p.apiVersion()
                  + ", this core has version "
                  + StoreProvider.API_VERSION
                  + ": use matching libkv versions (import libkv-bom)");
        }
        for (String s : p.schemes()) {
          StoreProvider prev = m.putIfAbsent(s, p);
          if (prev != null && !prev.getClass().equals(p.getClass())) {
            throw new ConfigurationException(
                "two backends handle scheme \""
                    + s
                    + "\": "
                    + where(prev)
                    + " and "
                    + where(p)
                    + "; remove one from the class path");
          }
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new ConfigurationException("a libkv backend failed to load: " + e.getMessage());
    }
    return m;
  }

  /** In a named module the descriptor's {@code uses} finds them; on the class path, the loader. */
  private static <S> ServiceLoader<S> serviceLoader(Class<S> service, ClassLoader loader) {
    return ProviderRegistry.class.getModule().isNamed()
        ? ServiceLoader.load(service)
        : ServiceLoader.load(service, loader);
  }

  private static String where(Object p) {
    var src = p.getClass().getProtectionDomain().getCodeSource();
    return p.getClass().getName() + (src == null ? "" : " in " + src.getLocation());
  }
}
