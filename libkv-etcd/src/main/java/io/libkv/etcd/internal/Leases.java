package io.libkv.etcd.internal;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.libkv.KVException;
import io.libkv.StoreUnavailableException;
import io.libkv.TimeSource;
import io.libkv.TtlTooShortException;
import io.libkv.spi.KeepAlive;
import io.libkv.spi.Retry;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The store's leases: one per TTL, granted on first use, kept alive by core's {@link KeepAlive}
 * (renewed every third of the TTL; declared lost when two thirds passed without a renewal, before
 * etcd can expire it and grant its locks to another), revoked on close. Ephemeral keys and the
 * store's locks of that TTL share it.
 */
final class Leases {
  /** A lease of the store. */
  static final class Ref {
    final long id;
    final Duration ttl;
    final Set<EtcdLock.Held> held = ConcurrentHashMap.newKeySet();

    // set by lease() before the Ref is published
    @SuppressWarnings("NullAway.Init")
    KeepAlive keepAlive;

    Ref(long id, Duration ttl) {
      this.id = id;
      this.ttl = ttl;
    }
  }

  private final Rpc rpc;
  private final StoreCalls calls;
  private final Failures failures;
  private final String description;
  private final Duration timeout;
  private final TimeSource time;
  private final Executor io;
  private final Runnable onLoss;
  private final java.util.function.Consumer<io.libkv.KeepAliveEvent> reports;
  private final Map<Duration, Ref> byTtl = new HashMap<>();
  private boolean closed;

  /**
   * {@code description}: the store's; {@code timeout}: its operation timeout; {@code io}: where
   * renewals run; {@code onLoss}: what the store does once a lease is lost (after its locks are).
   */
  Leases(
      Rpc rpc,
      StoreCalls calls,
      Failures failures,
      String description,
      Duration timeout,
      TimeSource time,
      Executor io,
      Runnable onLoss,
      java.util.function.Consumer<io.libkv.KeepAliveEvent> reports) {
    this.reports = reports;
    this.rpc = rpc;
    this.calls = calls;
    this.failures = failures;
    this.description = description;
    this.timeout = timeout;
    this.time = time;
    this.io = io;
    this.onLoss = onLoss;
  }

  /**
   * Probes etcd's lease floor: grants a 1 s lease, reads back the TTL etcd granted, revokes it.
   * Retried until {@code within} while no endpoint answers.
   */
  Duration probeFloor(Duration within, Backoff backoff) {
    LeaseGrantResponse r =
        Retry.call(() -> calls.await(grant(Duration.ofSeconds(1)), null, false), backoff, within);
    try {
      calls.await(revoke(r.getID()), null, true);
    } catch (KVException e) {
      // it expires by itself within its TTL
    }
    return Duration.ofSeconds(Math.max(1, r.getTTL()));
  }

  // ---- etcd's lease calls

  /** Asks etcd for a lease of {@code ttl} (whole seconds); etcd may grant a longer one. */
  CompletableFuture<LeaseGrantResponse> grant(Duration ttl) {
    return rpc.unary(
        LeaseGrpc.getLeaseGrantMethod(),
        LeaseGrantRequest.newBuilder().setTTL(ttl.toSeconds()).build());
  }

  /** Revokes lease {@code id}: its keys go. */
  CompletableFuture<LeaseRevokeResponse> revoke(long id) {
    return rpc.unary(
        LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(id).build());
  }

  /**
   * One renewal of lease {@code id}, on a keep-alive stream of its own that ends with the answer or
   * after {@code budgetMillis}; a lease etcd no longer has fails as "requested lease not found".
   */
  private CompletableFuture<Long> keepAliveOnce(long id, long budgetMillis) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call =
        rpc.newCall(
            LeaseGrpc.getLeaseKeepAliveMethod(),
            rpc.options().withDeadlineAfter(budgetMillis, TimeUnit.MILLISECONDS));
    call.start(
        new ClientCall.Listener<LeaseKeepAliveResponse>() {
          @Override
          public void onMessage(LeaseKeepAliveResponse r) {
            if (r.getTTL() <= 0) {
              f.completeExceptionally(
                  Status.NOT_FOUND
                      .withDescription("etcdserver: requested lease not found")
                      .asRuntimeException());
            } else {
              f.complete(r.getTTL());
            }
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            f.completeExceptionally(
                status.isOk()
                    ? Status.UNAVAILABLE
                        .withDescription("etcd ended the keep-alive stream unanswered")
                        .asRuntimeException()
                    : status.asRuntimeException(trailers));
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    f.whenComplete((x, e) -> call.cancel("answered", null));
    return f;
  }

  /** Grants a lease of exactly {@code ttl}; a lease etcd raised above it is revoked and refused. */
  long grant(Duration ttl, String key) {
    LeaseGrantResponse r = calls.write(() -> grant(ttl), key);
    if (r.getTTL() != ttl.toSeconds()) {
      revoke(r.getID());
      throw new TtlTooShortException(
          "lease", key, description, ttl, Duration.ofSeconds(r.getTTL()));
    }
    return r.getID();
  }

  /** The store's live lease of {@code ttl}, granted and kept alive on first use. */
  synchronized Ref lease(Duration ttl, String key) {
    if (closed) {
      // a write racing with close() must not grant a lease that nobody would revoke
      throw new IllegalStateException("store " + description + " is closed");
    }
    Ref r = byTtl.get(ttl);
    if (r != null) {
      return r;
    }
    // the lease's TTL runs from when etcd received the grant, no earlier than this
    long sent = time.nanoTime();
    long id = grant(ttl, key);
    Ref fresh = new Ref(id, ttl);
    fresh.keepAlive =
        KeepAlive.start(
            "etcd lease " + Long.toHexString(id) + " of " + description,
            ttl,
            sent,
            time,
            io,
            () -> renew(fresh),
            e -> lost(fresh),
            reports);
    byTtl.put(ttl, fresh);
    return fresh;
  }

  private void renew(Ref r) {
    long budget = Math.max(200, Math.min(timeout.toMillis(), r.ttl.toMillis() / 3));
    try {
      keepAliveOnce(r.id, budget).get(budget, TimeUnit.MILLISECONDS);
      calls.connectionOk();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException(
          "interrupted", null, description, failures.endpoints(), e);
    } catch (Exception e) {
      if (Failures.isLeaseNotFound(e)) {
        // revoked or expired on the server: lost now, not two thirds of a TTL later
        gone(r.id);
      } else if (Failures.isConnectionFailure(e)) {
        calls.connectionFailed();
      }
      throw failures.map(e, null, false);
    }
  }

  /** The IDs of the live leases. */
  synchronized List<Long> ids() {
    List<Long> out = new ArrayList<>();
    byTtl.values().forEach(r -> out.add(r.id));
    return out;
  }

  /**
   * The client's side of a loss: the lease could not be renewed in time, so its locks are lost now.
   */
  private void lost(Ref r) {
    synchronized (this) {
      if (!byTtl.remove(r.ttl, r)) {
        return; // already declared lost, or the store is closing
      }
    }
    r.keepAlive.close();
    for (EtcdLock.Held h : new ArrayList<>(r.held)) {
      h.markLost();
    }
    // best effort: if etcd still has it, its keys must not outlive our declaration of loss
    revoke(r.id);
    onLoss.run();
  }

  /** etcd said the lease is gone (it expired while we were cut off). */
  void gone(long id) {
    Ref r;
    synchronized (this) {
      r = byTtl.values().stream().filter(x -> x.id == id).findFirst().orElse(null);
    }
    if (r != null) {
      lost(r);
    }
  }

  /** Stops keeping leases alive and revokes them (ephemeral keys and held locks go). */
  void closeAll() {
    List<Ref> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(byTtl.values());
      byTtl.clear();
    }
    List<java.util.concurrent.CompletableFuture<?>> revokes = new ArrayList<>();
    for (Ref r : all) {
      r.keepAlive.close();
      for (EtcdLock.Held h : new ArrayList<>(r.held)) {
        h.markLost();
      }
      revokes.add(revoke(r.id));
    }
    for (java.util.concurrent.CompletableFuture<?> f : revokes) {
      try {
        f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // unreachable: the leases expire by themselves within their TTL
      }
    }
  }
}
