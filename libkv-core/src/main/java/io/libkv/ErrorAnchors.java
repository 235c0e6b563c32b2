package io.libkv;

import org.jspecify.annotations.Nullable;

/** Anchors of docs/errors.md, one per exception type, and where that page is published. */
final class ErrorAnchors {
  /**
   * docs/errors.md as published with the project's sources: messages link here in full, as their
   * reader may have only a jar and a log, not the repository.
   */
  static final String DOCS_URL = "https://github.com/libkv/libkv/blob/main/docs/errors.md";

  private ErrorAnchors() {}

  /** The full URL of {@code anchor}'s entry. */
  static String url(String anchor) {
    return DOCS_URL + "#" + anchor;
  }

  static String of(@Nullable Class<?> type) {
    if (type == null || type == KVException.class) {
      return "kv-exception";
    }
    String n = type.getSimpleName().replace("Exception", "");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n.length(); i++) {
      char c = n.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        b.append('-');
      }
      b.append(Character.toLowerCase(c));
    }
    return b.toString();
  }
}
