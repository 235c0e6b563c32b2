package io.libkv.spring.boot;

import io.libkv.ConfigurationException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@code libkv.*} property is missing or invalid, so the application cannot start: the message
 * starts with the property's name ({@code libkv.uri: ...}) and says why, never showing a secret.
 * The libkv condition behind it, if any, is the cause.
 */
public class LibKVPropertyException extends ConfigurationException {
  private static final long serialVersionUID = 1L;

  private final String property;

  /**
   * Creates the exception.
   *
   * @param property the property's name, e.g. {@code libkv.uri}
   * @param reason why it is refused
   * @param cause the libkv condition behind it, or {@code null}
   */
  public LibKVPropertyException(String property, String reason, @Nullable Throwable cause) {
    super(
        Objects.requireNonNull(property, "property") + ": " + Objects.requireNonNull(reason),
        null,
        null,
        cause);
    this.property = property;
  }

  /** The property's name, e.g. {@code libkv.uri}. */
  public String property() {
    return property;
  }
}
