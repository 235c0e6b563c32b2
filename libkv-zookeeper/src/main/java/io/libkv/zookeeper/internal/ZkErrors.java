package io.libkv.zookeeper.internal;

import io.libkv.CallNotSupportedException;
import io.libkv.ConfigurationException;
import io.libkv.InvalidKeyException;
import io.libkv.KVException;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.ListingChangedException;
import io.libkv.PermissionDeniedException;
import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import java.util.List;
import org.apache.curator.CuratorConnectionLossException;
import org.apache.zookeeper.KeeperException;
import org.jspecify.annotations.Nullable;

/**
 * Maps every ZooKeeper error code to a typed libkv exception naming the key: nothing of ZooKeeper's
 * leaks raw (the original stays as the cause).
 */
final class ZkErrors {
  private final String store;
  private final List<String> endpoints;

  ZkErrors(String store, List<String> endpoints) {
    this.store = store;
    this.endpoints = List.copyOf(endpoints);
  }

  /** The endpoints the store was given. */
  List<String> endpoints() {
    return endpoints;
  }

  StoreUnavailableException unavailable(
      String message, @Nullable String key, @Nullable Throwable cause) {
    return new StoreUnavailableException(message, key, store, endpoints, cause);
  }

  UnknownOutcomeException unknown(String message, @Nullable String key, Throwable cause) {
    return new UnknownOutcomeException(message, key, store, endpoints, cause);
  }

  ListingChangedException listingChanged(String message, String dir) {
    return new ListingChangedException(message, dir, store);
  }

  /**
   * The libkv exception for a ZooKeeper error.
   *
   * @param write whether the call was a write that may have been sent (connection failures then
   *     leave its outcome unknown)
   */
  KVException map(KeeperException e, @Nullable String key, boolean write) {
    String what =
        "ZooKeeper " + e.code().name() + (e.getPath() == null ? "" : " on " + e.getPath());
    if (e instanceof CuratorConnectionLossException) {
      // raised by Curator before anything was sent: the write did not happen
      return unavailable("not connected to ZooKeeper", key, e);
    }
    switch (e.code()) {
      case NONODE:
        return new KeyNotFoundException("key not found (" + what + ")", key, store, e);
      case NODEEXISTS:
        return new KeyExistsException("key exists (" + what + ")", key, store, e);
      case BADVERSION:
        return new KeyModifiedException("key was modified (" + what + ")", key, store, e);
      case NOTEMPTY:
        return new KVException("the key has keys below it (" + what + ")", key, store, e) {
          private static final long serialVersionUID = 1L;
        };
      case NOCHILDRENFOREPHEMERALS:
        return new InvalidKeyException(
            "a key below an ephemeral key: ZooKeeper's ephemeral nodes cannot have children ("
                + what
                + ")",
            key,
            store,
            e);
      case NOAUTH:
        return new PermissionDeniedException(
            "ZooKeeper ACL refuses this identity (" + what + ")", key, store, e);
      case AUTHFAILED:
      case SESSIONCLOSEDREQUIRESASLAUTH:
        return new PermissionDeniedException(
            "ZooKeeper refused the credentials (" + what + ")", key, store, e);
      case INVALIDACL:
        return new ConfigurationException(
            "ZooKeeper refused the ACL libkv sets (" + what + "): check username/password");
      case UNIMPLEMENTED:
        return new CallNotSupportedException(
            "this ZooKeeper server does not implement the call (" + what + ")", key, store, e);
      case BADARGUMENTS:
        return new InvalidKeyException(
            "ZooKeeper refused the path or argument (" + what + ")", key, store, e);
      case CONNECTIONLOSS:
      case OPERATIONTIMEOUT:
      case REQUESTTIMEOUT:
      case SESSIONEXPIRED:
      case SESSIONMOVED:
      case MARSHALLINGERROR:
        return write
            ? unknown(
                "the connection failed after the write was sent ("
                    + what
                    + "): it may or may not have applied",
                key,
                e)
            : unavailable("ZooKeeper did not answer (" + what + ")", key, e);
      case THROTTLEDOP:
      case NOTREADONLY:
      case RECONFIGINPROGRESS:
        // refused before being applied: known not to have happened
        return unavailable("ZooKeeper refused the call for now (" + what + ")", key, e);
      case QUOTAEXCEEDED:
        return new KVException("ZooKeeper quota exceeded (" + what + ")", key, store, e) {
          private static final long serialVersionUID = 1L;
        };
      default:
        return new KVException("ZooKeeper failed (" + what + ")", key, store, e) {
          private static final long serialVersionUID = 1L;
        };
    }
  }
}
