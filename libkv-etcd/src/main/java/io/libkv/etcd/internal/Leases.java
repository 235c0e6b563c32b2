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
import io.libkv.spi.KeepAlive;
import io.libkv.spi.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
    KeepAlive keepAlive;

    Ref(long id, Duration ttl) {
      this.id = id;
      this.ttl = ttl;
    }
  }

  private final EtcdStore store;
  private final Map<Duration, Ref> byTtl = new HashMap<>();
  private boolean closed;

  Leases(EtcdStore store) {
    this.store = store;
  }

  /**
   * Probes etcd's lease floor: grants a 1 s lease, reads back the TTL etcd granted, revokes it.
   * Retried until {@code timeout} while no endpoint answers.
   */
  Duration probeFloor(Duration timeout) {
    LeaseGrantResponse r = Retry.call(
        () -> store.await(grant(Duration.ofSeconds(1)), null, false), store.backoff, timeout);
    try {
      store.await(revoke(r.getID()), null, true);
    } catch (KVException e) {
      // it expires by itself within its TTL
    }
    return Duration.ofSeconds(Math.max(1, r.getTTL()));
  }

  // ---- etcd's lease calls

  /** Asks etcd for a lease of {@code ttl} (whole seconds); etcd may grant a longer one. */
  CompletableFuture<LeaseGrantResponse> grant(Duration ttl) {
    return store.rpc.unary(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setTTL(ttl.getSeconds()).build());
  }

  /** Revokes lease {@code id}: its keys go. */
  CompletableFuture<LeaseRevokeResponse> revoke(long id) {
    return store.rpc.unary(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(id).build());
  }

  /**
   * One renewal of lease {@code id}, on a keep-alive stream of its own that ends with the answer or
   * after {@code budgetMillis}; a lease etcd no longer has fails as "requested lease not found".
   */
  private CompletableFuture<Long> keepAliveOnce(long id, long budgetMillis) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call = store.rpc.newCall(LeaseGrpc.getLeaseKeepAliveMethod(),
        store.rpc.options().withDeadlineAfter(budgetMillis, TimeUnit.MILLISECONDS));
    call.start(new ClientCall.Listener<LeaseKeepAliveResponse>() {
      @Override
      public void onMessage(LeaseKeepAliveResponse r) {
        if (r.getTTL() <= 0) {
          f.completeExceptionally(
              Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asRuntimeException());
        } else {
          f.complete(r.getTTL());
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        f.completeExceptionally(status.isOk()
            ? Status.UNAVAILABLE.withDescription("etcd ended the keep-alive stream unanswered").asRuntimeException()
            : status.asRuntimeException(trailers));
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    f.whenComplete((x, e) -> call.cancel("answered", null));
    return f;
  }

  /** The store's live lease of {@code ttl}, granted and kept alive on first use. */
  synchronized Ref lease(Duration ttl, String key) {
    if (closed) {
      // a write racing with close() must not grant a lease that nobody would revoke
      throw new IllegalStateException("store " + store.description() + " is closed");
    }
    Ref r = byTtl.get(ttl);
    if (r != null) {
      return r;
    }
    // the lease's TTL runs from when etcd received the grant, no earlier than this
    long sent = store.config.timeSource().nanoTime();
    long id = store.grant(ttl, key);
    Ref fresh = new Ref(id, ttl);
    fresh.keepAlive = KeepAlive.start("etcd lease " + Long.toHexString(id) + " of " + store.description(), ttl,
        sent, store.config.timeSource(), store.io, () -> renew(fresh), e -> lost(fresh));
    byTtl.put(ttl, fresh);
    return fresh;
  }

  private void renew(Ref r) {
    long budget = Math.max(200, Math.min(store.config.operationTimeout().toMillis(), r.ttl.toMillis() / 3));
    try {
      keepAliveOnce(r.id, budget).get(budget, TimeUnit.MILLISECONDS);
      store.connectionOk();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted", null, store.description(), store.failures.endpoints(), e);
    } catch (Exception e) {
      if (Failures.isLeaseNotFound(e)) {
        // revoked or expired on the server: lost now, not two thirds of a TTL later
        gone(r.id);
      } else if (Failures.isConnectionFailure(e)) {
        store.connectionFailed();
      }
      throw store.failures.map(e, null, false);
    }
  }

  /** The IDs of the live leases. */
  synchronized List<Long> ids() {
    List<Long> out = new ArrayList<>();
    byTtl.values().forEach(r -> out.add(r.id));
    return out;
  }

  /** The client's side of a loss: the lease could not be renewed in time, so its locks are lost now. */
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
    store.lost();
    store.watch.wakeAll();
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
        f.get(store.config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // unreachable: the leases expire by themselves within their TTL
      }
    }
  }
}
