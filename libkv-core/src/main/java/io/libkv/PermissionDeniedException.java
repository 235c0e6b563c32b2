package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * The store refused the call for lack of rights: the credentials (or their absence) do not grant
 * it, e.g. a ZooKeeper ACL, an etcd role or a Consul ACL token. Nothing was written.
 */
public class PermissionDeniedException extends KVException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param key the canonical key concerned, or {@code null}
   * @param store the store's redacted description, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public PermissionDeniedException(
      String message, @Nullable String key, @Nullable String store, @Nullable Throwable cause) {
    super(message, key, store, cause, ErrorAnchors.of(PermissionDeniedException.class));
  }

  /** Creates the exception with a message only. */
  public PermissionDeniedException(String message) {
    this(message, null, null, null);
  }
}
