package io.libkv.etcd.internal;

import io.grpc.Status;
import io.libkv.ConfigurationException;
import io.libkv.KVException;
import io.libkv.PermissionDeniedException;
import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/** Maps gRPC failures to libkv's typed exceptions, naming the key, the store and the endpoints. */
final class Failures {
  private final String store;
  private final List<String> endpoints;

  Failures(String store, List<String> endpoints) {
    this.store = store;
    this.endpoints = List.copyOf(endpoints);
  }

  List<String> endpoints() {
    return endpoints;
  }

  /** Unwraps the layers futures add. */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static boolean isCompacted(Throwable t) {
    Throwable u = unwrap(t);
    return description(u).contains("required revision has been compacted");
  }

  static boolean isFutureRevision(Throwable t) {
    return description(unwrap(t)).contains("required revision is a future revision");
  }

  static boolean isLeaseNotFound(Throwable t) {
    return description(unwrap(t)).contains("requested lease not found");
  }

  /**
   * Whether etcd refused a call for its auth token alone (unknown to the member, or older than its
   * auth store): refused before anything applied, so worth one retry with a fresh token.
   */
  static boolean isStaleToken(Status s) {
    String d = s.getDescription() == null ? "" : s.getDescription();
    return s.getCode() == Status.Code.UNAUTHENTICATED
            && d.contains("etcdserver: invalid auth token")
        || s.getCode() == Status.Code.INVALID_ARGUMENT
            && d.contains("etcdserver: revision of auth store is old");
  }

  static String description(Throwable t) {
    Status s = Status.fromThrowable(t);
    String d = s.getDescription() != null ? s.getDescription() : "";
    return d + " " + (t.getMessage() == null ? "" : t.getMessage());
  }

  private static boolean has(@Nullable Throwable t, Class<? extends Throwable> type) {
    for (int i = 0; t != null && i < 20; i++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable Throwable find(@Nullable Throwable t, Class<? extends Throwable> type) {
    for (int i = 0; t != null && i < 20; i++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return null;
  }

  /**
   * Whether the failure is the connection's (worth a retry of a read, and a connection-state
   * change).
   */
  static boolean isConnectionFailure(Throwable t) {
    Throwable u = unwrap(t);
    if (u instanceof TimeoutException) {
      return true;
    }
    Status.Code c = Status.fromThrowable(u).getCode();
    return c == Status.Code.UNAVAILABLE || c == Status.Code.DEADLINE_EXCEEDED;
  }

  /**
   * The libkv exception for a failed call on {@code key} (null for none). {@code write}: whether
   * the call may have changed the store, so that a failure after it was sent is an unknown outcome.
   */
  KVException map(Throwable t, @Nullable String key, boolean write) {
    Throwable u = unwrap(t);
    if (u instanceof KVException) {
      return (KVException) u;
    }
    boolean notSent = has(u, CallGuard.NotSent.class);
    Throwable ssl = find(u, SSLException.class);
    if (ssl != null) {
      return new StoreUnavailableException(
          "TLS handshake with etcd failed ("
              + ssl.getMessage()
              + "): check the ca, cert and key parameters",
          key,
          store,
          endpoints,
          u);
    }
    String d = description(u);
    String dl = d.toLowerCase(Locale.ROOT);
    Status.Code code = Status.fromThrowable(u).getCode();
    if (dl.contains("authentication failed")
        || dl.contains("invalid user id or password")
        || code == Status.Code.UNAUTHENTICATED) {
      return new ConfigurationException(
          "etcd refused the user name or password (authentication failed)", key, store, null);
    }
    if (dl.contains("user name is empty") || dl.contains("user name not found")) {
      return new ConfigurationException(
          "etcd requires authentication: give the username parameter and a password",
          key,
          store,
          null);
    }
    if (dl.contains("permission denied")) {
      return new PermissionDeniedException(
          "etcd denied the operation: the user's roles do not grant it", key, store, null);
    }
    if (dl.contains("request is too large")) {
      return new KVException(
          "etcd refused the request as too large (" + d.trim() + ")", key, store, null);
    }
    if (dl.contains("etcdserver: no leader")) {
      // refused on arrival by a member that knows no leader (CallGuard asks for one): nothing was
      // proposed
      return new StoreUnavailableException(
          "the etcd member knows no leader (an election is on)", key, store, endpoints, u);
    }
    boolean timeout = u instanceof TimeoutException || code == Status.Code.DEADLINE_EXCEEDED;
    if (timeout
        || code == Status.Code.UNAVAILABLE
        || code == Status.Code.CANCELLED
        || u instanceof CancellationException
        || code == Status.Code.UNKNOWN && has(u, java.io.IOException.class)) {
      Throwable abandoned = find(u, CallGuard.Abandoned.class);
      // an Abandoned always carries its reason
      String what =
          abandoned != null
              ? Objects.requireNonNull(abandoned.getMessage())
              : timeout ? "etcd did not answer in time" : "etcd is unavailable (" + d.trim() + ")";
      if (write && !notSent) {
        return new UnknownOutcomeException(
            what + "; the write was sent and may or may not have applied",
            key,
            store,
            endpoints,
            u);
      }
      return new StoreUnavailableException(what, key, store, endpoints, u);
    }
    return new KVException("etcd failed: " + code + " " + d.trim(), key, store, u);
  }
}
