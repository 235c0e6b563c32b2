package io.libkv;

/** Anchors of docs/errors.md, one per exception type. */
final class ErrorAnchors {
  private ErrorAnchors() {}

  static String of(Class<?> type) {
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
