package io.libkv.spring.boot.internal;

import io.libkv.spring.boot.LibKVPropertyException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link LibKVPropertyException} that stopped the application as Spring Boot's "failed to
 * start" summary: the property, why, and what to change.
 */
public final class LibKVPropertyFailureAnalyzer
    extends AbstractFailureAnalyzer<LibKVPropertyException> {
  /** The analyzer Spring Boot loads. */
  public LibKVPropertyFailureAnalyzer() {}

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LibKVPropertyException cause) {
    String p = cause.property();
    String action =
        p.equals("libkv.uri")
            ? "Set libkv.uri to the URI of a store whose backend is on the class path (for example"
                + " etcd://127.0.0.1:2379/app or boltdb:/var/lib/app/kv.db), with only the"
                + " parameters and settings that backend takes, or declare a Store bean."
            : "Change " + p + " in the application's configuration.";
    return new FailureAnalysis(
        "The libkv property " + p + " is refused:\n\n    " + cause.getMessage(), action, cause);
  }
}
