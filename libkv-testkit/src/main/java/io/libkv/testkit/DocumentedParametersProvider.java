package io.libkv.testkit;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import java.util.Set;

/**
 * A stand-in, on the kit's class path, for the backends a module's tests do not have: it declares
 * every parameter of docs/cli.md's table ({@link ConfigurationChecks#PARAMETERS}) as its own, so
 * that a parameter of another backend is refused as not applying to the backend under test, as
 * with every backend installed, rather than as unknown. It opens nothing.
 */
public final class DocumentedParametersProvider implements StoreProvider {
  /** Made by {@link java.util.ServiceLoader}. */
  public DocumentedParametersProvider() {}

  @Override
  public String name() {
    return "documented-parameters";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("libkv-kit-parameters");
  }

  @Override
  public Set<String> parameters() {
    return ConfigurationChecks.PARAMETERS.keySet();
  }

  @Override
  public Set<String> ownParameters() {
    return ConfigurationChecks.PARAMETERS.keySet();
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    throw new UnsupportedOperationException("the kit's parameter stand-in opens no store");
  }
}
