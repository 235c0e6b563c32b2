package io.libkv.spi;

import io.libkv.Durations;
import io.libkv.Store;
import io.libkv.StoreConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A backend's own URI parameters (those beyond the shared ones {@link StoreConfig} holds), each
 * mapped onto the method of the backend's options builder that validates and takes it: a URI and
 * the backend's typed entry point then refuse the same values in the same words. Immutable.
 *
 * @param <B> the backend's options builder
 */
public final class OwnParameters<B> {
  /** Opens a store from a backend's options builder, once the URI's parameters are applied. */
  @FunctionalInterface
  public interface Opener<B> {
    /** Opens the store. */
    Store open(B options, StoreLocation location, StoreConfig config);
  }

  private final Map<String, BiConsumer<B, String>> setters;

  private OwnParameters(Map<String, BiConsumer<B, String>> setters) {
    this.setters = setters;
  }

  /** No parameters. */
  public static <B> OwnParameters<B> none() {
    return new OwnParameters<>(Map.of());
  }

  /** These parameters and {@code name}, read by {@code setter} from the URI's text. */
  public OwnParameters<B> with(String name, BiConsumer<B, String> setter) {
    Map<String, BiConsumer<B, String>> m = new LinkedHashMap<>(setters);
    if (m.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(setter, "setter"))
        != null) {
      throw new IllegalArgumentException("parameter " + name + " is declared twice");
    }
    return new OwnParameters<>(m);
  }

  /** The parameters' names, in declaration order. */
  public Set<String> names() {
    return java.util.Collections.unmodifiableSet(setters.keySet());
  }

  /**
   * Reads one URI's parameters into {@code options}, and opens with {@code opener}.
   *
   * @param options a new builder, used for this URI only
   */
  public UriOptions reader(B options, Opener<B> opener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(opener, "opener");
    return new UriOptions() {
      @Override
      public void set(String name, String value) {
        BiConsumer<B, String> setter = setters.get(name);
        if (setter == null) {
          throw new IllegalArgumentException("not a parameter of this backend");
        }
        setter.accept(options, value);
      }

      @Override
      public Store open(StoreLocation location, StoreConfig config) {
        return opener.open(options, location, config);
      }
    };
  }

  /** {@code true} for "true" or "" (a bare flag), {@code false} for "false". */
  public static boolean bool(String v) {
    if ("true".equals(v) || v.isEmpty()) {
      return true;
    }
    if ("false".equals(v)) {
      return false;
    }
    throw new IllegalArgumentException("expected true or false, was \"" + v + "\"");
  }

  /** A duration as written in URIs ({@link Durations#parse}). */
  public static Duration duration(String v) {
    return Durations.parse(v);
  }

  /**
   * {@code d}, if positive.
   *
   * @throws IllegalArgumentException naming {@code name} otherwise
   */
  public static Duration positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + Durations.format(d));
    }
    return d;
  }

  /**
   * {@code s}, if not empty.
   *
   * @throws IllegalArgumentException naming {@code name} otherwise
   */
  public static String nonEmpty(String name, String s) {
    if (Objects.requireNonNull(s, name).isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return s;
  }

  /**
   * Checks that a configuration can take effect on a backend, for a typed entry point.
   *
   * @throws IllegalArgumentException listing every setting that cannot (see {@link
   *     StoreConfig#problemsOn})
   */
  public static void requireApplicable(StoreConfig config, StoreProvider provider, String scheme) {
    List<String> problems = config.problemsOn(provider, scheme);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("config: " + String.join("; ", problems));
    }
  }
}
