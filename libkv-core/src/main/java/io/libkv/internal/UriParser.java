package io.libkv.internal;

import io.libkv.ConfigurationException;
import io.libkv.StoreConfig;
import io.libkv.spi.OwnParameters;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.libkv.spi.UriOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Parses store URIs ({@code docs/cli.md}): hierarchical ({@code etcd://h:p,h:p/prefix?k=v}) and
 * opaque ({@code boltdb:x.db?bucket=b}, {@code memory:n}), and applies their shared parameters.
 * Collects every problem before failing, and never echoes a parameter's value (it may be a secret
 * pasted by mistake).
 */
public final class UriParser {
  /**
   * Every shared parameter, mapped one to one onto a {@link StoreConfig.Builder} method; each
   * backend declares its own ({@link StoreProvider#ownParameters()}).
   */
  static final Map<String, BiConsumer<StoreConfig.Builder, String>> PARAMETERS =
      new LinkedHashMap<>();

  static {
    PARAMETERS.put("connectTimeout", (b, v) -> b.connectTimeout(OwnParameters.duration(v)));
    PARAMETERS.put("timeout", (b, v) -> b.operationTimeout(OwnParameters.duration(v)));
    PARAMETERS.put("tls", (b, v) -> b.tls(OwnParameters.bool(v)));
    PARAMETERS.put("ca", (b, v) -> b.caFile(Path.of(v)));
    PARAMETERS.put("cert", (b, v) -> b.certFile(Path.of(v)));
    PARAMETERS.put("key", (b, v) -> b.keyFile(Path.of(v)));
    PARAMETERS.put("username", (b, v) -> b.username(v));
    PARAMETERS.put("passwordFile", (b, v) -> b.passwordFile(Path.of(v)));
    PARAMETERS.put("tokenFile", (b, v) -> b.tokenFile(Path.of(v)));
    PARAMETERS.put("maxValueBytes", (b, v) -> b.maxValueBytes(count(v)));
  }

  private static final Set<String> SECRETS = Set.of("password", "token", "secret");

  private UriParser() {}

  /** The names of the shared parameters, those every backend may take. */
  public static Set<String> sharedParameters() {
    return PARAMETERS.keySet();
  }

  /** A parsed URI: where, and the raw parameters in order. */
  public static final class Parsed {
    final StoreLocation location;
    final Map<String, String> parameters;

    Parsed(StoreLocation location, Map<String, String> parameters) {
      this.location = location;
      this.parameters = parameters;
    }

    /** Where the store is. */
    public StoreLocation location() {
      return location;
    }

    /** The query parameters, decoded, in order of appearance. */
    public Map<String, String> parameters() {
      return parameters;
    }
  }

  /**
   * Splits a URI into location and parameters.
   *
   * @throws ConfigurationException listing every problem found
   */
  public static Parsed parse(String uri) {
    List<String> problems = new ArrayList<>();
    int colon = uri.indexOf(':');
    if (colon <= 0 || !uri.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      throw new ConfigurationException(
          "invalid store URI \""
              + redact(uri)
              + "\": expected SCHEME:..., e.g. "
              + String.join(", ", ProviderRegistry.examples()));
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = uri.substring(colon + 1);
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      problems.add("fragments (#...) are not allowed");
      rest = rest.substring(0, hash);
    }
    List<String> endpoints = new ArrayList<>();
    String path;
    if (rest.startsWith("//")) {
      String hier = rest.substring(2);
      int slash = hier.indexOf('/');
      String authority = slash >= 0 ? hier.substring(0, slash) : hier;
      path = slash >= 0 ? hier.substring(slash) : "";
      if (authority.contains("@")) {
        problems.add(
            "credentials in the URI are not allowed: use the username parameter and passwordFile, "
                + "or the LIBKV_PASSWORD / LIBKV_TOKEN variables");
        authority = authority.substring(authority.lastIndexOf('@') + 1);
      }
      if (!authority.isEmpty()) {
        for (String e : authority.split(",", -1)) {
          if (!StoreLocation.isEndpoint(e)) {
            problems.add("invalid endpoint \"" + e + "\" (expected host:port)");
          } else {
            endpoints.add(e);
          }
        }
      }
      if (authority.isEmpty() || ProviderRegistry.pathLike(scheme)) {
        // SCHEME:///abs/path: the path is absolute, keep its slash
        path = decode(path, problems);
      } else {
        path = decode(path.startsWith("/") ? path.substring(1) : path, problems);
      }
    } else {
      path = decode(rest, problems);
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (query != null && !query.isEmpty()) {
      Set<String> repeated = new TreeSet<>();
      for (String kv : query.split("&", -1)) {
        if (kv.isEmpty()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String k = decode(eq >= 0 ? kv.substring(0, eq) : kv, problems);
        String v = eq >= 0 ? decode(kv.substring(eq + 1), problems) : "";
        if (params.containsKey(k)) {
          repeated.add(k);
        }
        params.put(k, v);
      }
      if (!repeated.isEmpty()) {
        problems.add("repeated parameter(s): " + String.join(", ", repeated));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigurationException(
          "invalid store URI \"" + redact(uri) + "\": " + String.join("; ", problems));
    }
    return new Parsed(StoreLocation.of(scheme, endpoints, path), params);
  }

  /**
   * Applies parameters: the shared ones to a builder, the backend's own to {@code own}, checking
   * each is known (shared, or some installed backend's own) and honoured by the backend.
   *
   * @param knownOwn every installed backend's own parameters
   * @return every problem found, in order; empty if all applied
   */
  public static List<String> apply(
      Map<String, String> params,
      StoreProvider provider,
      Set<String> knownOwn,
      StoreConfig.Builder b,
      UriOptions own) {
    List<String> problems = new ArrayList<>();
    Set<String> unknown = new TreeSet<>();
    Set<String> notHere = new TreeSet<>();
    Set<String> honoured = provider.parameters();
    for (Map.Entry<String, String> e : params.entrySet()) {
      String k = e.getKey();
      if (SECRETS.contains(k.toLowerCase(Locale.ROOT))) {
        problems.add(
            "parameter '"
                + k
                + "' is refused: secrets never go in a URI; use "
                + k
                + "File or the LIBKV_"
                + k.toUpperCase(Locale.ROOT)
                + " variable");
        continue;
      }
      BiConsumer<StoreConfig.Builder, String> setter = PARAMETERS.get(k);
      if (setter == null && !knownOwn.contains(k)) {
        unknown.add(k);
        continue;
      }
      if (!honoured.contains(k)) {
        notHere.add(k);
        continue;
      }
      try {
        if (setter != null) {
          setter.accept(b, e.getValue());
        } else {
          own.set(k, e.getValue());
        }
      } catch (IllegalArgumentException | IllegalStateException ex) {
        problems.add("parameter '" + k + "': " + ex.getMessage());
      }
    }
    if (!unknown.isEmpty()) {
      Set<String> known = new LinkedHashSet<>(PARAMETERS.keySet());
      known.addAll(knownOwn);
      problems.add(
          0,
          "unknown parameter(s): "
              + String.join(", ", unknown)
              + " (known: "
              + String.join(", ", known)
              + ")");
    }
    if (!notHere.isEmpty()) {
      problems.add(
          "parameter(s) "
              + String.join(", ", notHere)
              + " do not apply to "
              + provider.name()
              + " (it takes: "
              + String.join(", ", new TreeSet<>(honoured))
              + ")");
    }
    return problems;
  }

  private static long count(String v) {
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number of bytes, was \"" + v + "\"");
    }
  }

  /** Percent-decodes UTF-8 text; '+' stays '+'. */
  static String decode(String s, List<String> problems) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          problems.add("truncated percent escape in \"" + s + "\"");
          return s;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          problems.add("invalid percent escape in \"" + s + "\"");
          return s;
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The URI with credentials and the values of secret-like parameters hidden. */
  public static String redact(String uri) {
    int q = uri.indexOf('?');
    String base = q >= 0 ? uri.substring(0, q) : uri;
    int at = base.indexOf('@');
    if (base.startsWith("//", base.indexOf(':') + 1) && at >= 0) {
      int start = base.indexOf("//") + 2;
      base = base.substring(0, start) + "****@" + base.substring(at + 1);
    }
    if (q < 0) {
      return base;
    }
    List<String> keys = new ArrayList<>();
    for (String kv : uri.substring(q + 1).split("&")) {
      int eq = kv.indexOf('=');
      String k = eq >= 0 ? kv.substring(0, eq) : kv;
      keys.add(SECRETS.contains(k.toLowerCase(Locale.ROOT)) ? k + "=****" : kv);
    }
    return base + "?" + String.join("&", keys);
  }
}
