package io.libkv.cli;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.bolt.BoltIOException;
import java.nio.file.NoSuchFileException;
import java.util.Map;

/**
 * Which store a command uses and how it is opened: {@code --store}, then {@code LIBKV_STORE}, then
 * {@link #DEFAULT_STORE}; secrets only from files named in the URI or from {@code LIBKV_PASSWORD} /
 * {@code LIBKV_TOKEN}.
 */
final class Stores {
  /**
   * The default store: a bbolt file in the working directory, bucket {@code libkv}, shared mode.
   */
  static final String DEFAULT_STORE = "boltdb:./libkv.db";

  static final String BOLTDB_SCHEME = "boltdb:";

  static final String ENV_STORE = "LIBKV_STORE";
  static final String ENV_PASSWORD = "LIBKV_PASSWORD";
  static final String ENV_TOKEN = "LIBKV_TOKEN";

  private Stores() {}

  /** The URI in force for this run. */
  static String uri(LibkvCommand root) {
    if (root.store != null) {
      return root.store;
    }
    String env = root.cli.env(ENV_STORE);
    return env != null ? env : DEFAULT_STORE;
  }

  /** Opens the store in force; the caller closes it. */
  static Store open(LibkvCommand root) {
    return open(root, false);
  }

  /**
   * Opens the store in force, for reading only when {@code readOnly}: a bbolt file is then opened
   * read-only (whatever its permissions) and never created, unless the URI says {@code readOnly}
   * itself.
   *
   * @throws io.libkv.KVException for a missing file too: see {@link #missingFile}
   */
  static Store open(LibkvCommand root, boolean readOnly) {
    String uri = uri(root);
    if (readOnly && uri.startsWith(BOLTDB_SCHEME) && !hasParameter(uri, "readOnly")) {
      uri += (uri.indexOf('?') < 0 ? "?" : "&") + "readOnly=true";
    }
    Cli cli = root.cli;
    StoreConfig.Builder base = StoreConfig.builder();
    // shared mode: a running watch, lock or elect never locks other commands out of the file (a
    // mode=... parameter in the URI overrides it); only bbolt files have a mode
    Map<String, String> defaults =
        uri.startsWith(BOLTDB_SCHEME) ? Map.of("mode", "shared") : Map.of();
    String password = cli.env(ENV_PASSWORD);
    if (password != null) {
      if (hasParameter(uri, "passwordFile")) {
        throw new ConfigurationException(
            ENV_PASSWORD + " and the URI's passwordFile parameter are exclusive: drop one");
      }
      base.password(Secret.of(password));
    }
    String token = cli.env(ENV_TOKEN);
    if (token != null) {
      if (hasParameter(uri, "tokenFile")) {
        throw new ConfigurationException(
            ENV_TOKEN + " and the URI's tokenFile parameter are exclusive: drop one");
      }
      base.token(Secret.of(token));
    }
    Store store = LibKV.open(uri, base.build(), defaults);
    cli.debug("using store " + store.description());
    cli.opened(store);
    return store;
  }

  /** Whether {@code e} is a read-only open's failure on a bbolt file that does not exist. */
  static boolean missingFile(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BoltIOException && t.getCause() instanceof NoSuchFileException) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasParameter(String uri, String name) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return false;
    }
    for (String kv : uri.substring(q + 1).split("&")) {
      if (kv.equals(name) || kv.startsWith(name + "=")) {
        return true;
      }
    }
    return false;
  }
}
