package io.libkv.consul;

import io.libkv.KVException;

/**
 * A condition Consul reported that has no more specific libkv type (an ACL refusal, an error
 * answer); the message names the key and the store, never the token.
 */
final class ConsulException extends KVException {
  private static final long serialVersionUID = 1L;

  ConsulException(String message, String key, String store) {
    super(message, key, store, null);
  }
}
