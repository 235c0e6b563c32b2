package io.libkv.spring.boot.internal;

import io.libkv.BackendNotSupportedException;
import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spring.boot.LibKVProperties;
import io.libkv.spring.boot.LibKVPropertyException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Opens the store {@code libkv.*} describes; a refused setting fails with a {@link
 * LibKVPropertyException} naming the property it came from.
 */
final class StoreFactory {
  private static final Pattern SEE = Pattern.compile(" \\(see https?://\\S+\\)$");

  private StoreFactory() {}

  static Store open(LibKVProperties p) {
    String uri = p.getUri();
    if (uri == null || uri.isBlank()) {
      throw new LibKVPropertyException(
          "libkv.uri",
          "not set: give the store's URI (installed schemes: "
              + String.join(", ", LibKV.installedSchemes())
              + "), or declare a Store bean",
          null);
    }
    StoreConfig config = config(p);
    givenOnce(p, uri);
    try {
      return LibKV.open(uri, config);
    } catch (ConfigurationException | BackendNotSupportedException e) {
      // libkv's message shows the URI redacted and names every parameter it refuses
      throw new LibKVPropertyException("libkv.uri", reason(e), e);
    }
  }

  /**
   * Refuses a setting given both as a property and as a parameter of the URI: libkv would apply the
   * URI's over the property's, which would then be ignored.
   */
  private static void givenOnce(LibKVProperties p, String uri) {
    Set<String> inUri = uriParameters(uri);
    if (inUri.isEmpty()) {
      return;
    }
    Map<String, @Nullable Object> byParameter = new LinkedHashMap<>();
    byParameter.put("connectTimeout", p.getConnectTimeout());
    byParameter.put("timeout", p.getTimeout());
    byParameter.put("tls", p.getTls());
    byParameter.put("ca", p.getCa());
    byParameter.put("cert", p.getCert());
    byParameter.put("key", p.getKey());
    byParameter.put("username", p.getUsername());
    byParameter.put("passwordFile", p.getPasswordFile());
    byParameter.put("tokenFile", p.getTokenFile());
    byParameter.put("maxValueBytes", p.getMaxValueBytes());
    byParameter.forEach(
        (parameter, value) -> {
          if (value != null && inUri.contains(parameter)) {
            String property = "libkv." + kebab(parameter);
            throw new LibKVPropertyException(
                property,
                "also given in libkv.uri as its parameter "
                    + parameter
                    + ": give it in one place only",
                null);
          }
        });
  }

  /**
   * The names of the URI's query parameters (libkv checks their values when it opens the store).
   */
  static Set<String> uriParameters(@Nullable String uri) {
    Set<String> names = new HashSet<>();
    int q = uri == null ? -1 : uri.indexOf('?');
    if (uri != null && q >= 0) {
      for (String kv : uri.substring(q + 1).split("&")) {
        int eq = kv.indexOf('=');
        names.add(eq >= 0 ? kv.substring(0, eq) : kv);
      }
    }
    return names;
  }

  private static String kebab(String camel) {
    StringBuilder b = new StringBuilder();
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        b.append('-').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The shared settings, each refused setting named by its property. */
  static StoreConfig config(LibKVProperties p) {
    StoreConfig.Builder b = StoreConfig.builder();
    set("libkv.connect-timeout", p.getConnectTimeout(), b::connectTimeout);
    set("libkv.timeout", p.getTimeout(), b::operationTimeout);
    set("libkv.tls", p.getTls(), b::tls);
    file("libkv.ca", p.getCa(), b::caFile, StoreConfig.Builder::caFile);
    file("libkv.cert", p.getCert(), b::certFile, StoreConfig.Builder::certFile);
    file("libkv.key", p.getKey(), b::keyFile, StoreConfig.Builder::keyFile);
    set("libkv.username", p.getUsername(), b::username);
    set("libkv.password", p.getPassword(), b::password);
    file(
        "libkv.password-file",
        p.getPasswordFile(),
        b::passwordFile,
        StoreConfig.Builder::passwordFile);
    set("libkv.token", p.getToken(), b::token);
    file("libkv.token-file", p.getTokenFile(), b::tokenFile, StoreConfig.Builder::tokenFile);
    set("libkv.max-value-bytes", p.getMaxValueBytes(), b::maxValueBytes);
    set("libkv.prefix", p.getPrefix(), b::prefix);
    try {
      return b.build();
    } catch (ConfigurationException e) {
      // a contradiction between properties (tls=false with ca, password with password-file)
      throw new LibKVPropertyException("libkv", reason(e), e);
    }
  }

  private static <T> void set(String property, @Nullable T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException | ConfigurationException e) {
      throw new LibKVPropertyException(property, reason(e), e);
    }
  }

  /** A file setting, checked on its own first so that an unreadable file is named by property. */
  private static void file(
      String property,
      @Nullable Path value,
      Consumer<Path> setter,
      BiFunction<StoreConfig.Builder, Path, StoreConfig.Builder> alone) {
    if (value == null) {
      return;
    }
    set(property, value, v -> alone.apply(StoreConfig.builder(), v).build());
    setter.accept(value);
  }

  private static String reason(RuntimeException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : SEE.matcher(m).replaceFirst("");
  }
}
