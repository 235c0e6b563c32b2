package io.libkv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A password or token: its {@code toString()} never shows it. */
public final class Secret {
  private final byte[] bytes;

  private Secret(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A secret from text. */
  public static Secret of(String text) {
    return new Secret(Objects.requireNonNull(text, "secret").getBytes(StandardCharsets.UTF_8));
  }

  /** The secret as text; use only where it is sent. */
  public String reveal() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Secret && Arrays.equals(bytes, ((Secret) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "****";
  }
}
