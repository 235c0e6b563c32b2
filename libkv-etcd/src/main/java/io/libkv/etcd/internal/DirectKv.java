package io.libkv.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.Errors;
import io.etcd.jetcd.support.Requests;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The store's KV calls, made with grpc-java's own call on the channel jetcd built (so its endpoints,
 * failover, TLS and credentials), answered in jetcd's response types. jetcd's KV client puts a Vert.x
 * future, a retry policy and two thread hand-offs around every unary call, about 0.1 ms a call on a
 * small machine: a third of a linearizable read, a tenth of a write, a fifth of a lock cycle. The
 * store makes its own retry and error decisions (see {@link EtcdStore#write}), so it needs none of
 * that layer. The channel and jetcd's call options are found by {@link CallGuard} on the client's
 * first KV call; the answer completes on gRPC's transport thread, which only wakes the waiting caller.
 */
final class DirectKv {
  private static final ByteSequence NO_NAMESPACE = ByteSequence.EMPTY;
  private static final Executor DIRECT = Runnable::run;

  private final Client client;
  private final CallGuard guard;
  private final long timeoutNanos;
  private final ByteSequence probeKey;

  /** {@code probeKey}: a key the store may read (its root), for the calls made through jetcd. */
  DirectKv(Client client, CallGuard guard, long timeoutNanos, ByteSequence probeKey) {
    this.client = client;
    this.guard = guard;
    this.timeoutNanos = timeoutNanos;
    this.probeKey = probeKey;
  }

  CompletableFuture<GetResponse> get(ByteSequence key, GetOption o) {
    return call(KVGrpc.getRangeMethod(), Requests.mapRangeRequest(key, o, NO_NAMESPACE),
        r -> new GetResponse(r, NO_NAMESPACE), true);
  }

  /** A range as etcd sends it: for listings, whose thousands of pairs need no wrapper objects. */
  CompletableFuture<RangeResponse> range(ByteSequence key, GetOption o) {
    return call(KVGrpc.getRangeMethod(), Requests.mapRangeRequest(key, o, NO_NAMESPACE), r -> r, true);
  }

  CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value, PutOption o) {
    return call(KVGrpc.getPutMethod(), Requests.mapPutRequest(key, value, o, NO_NAMESPACE),
        r -> new PutResponse(r, NO_NAMESPACE), true);
  }

  CompletableFuture<DeleteResponse> delete(ByteSequence key, DeleteOption o) {
    return call(KVGrpc.getDeleteRangeMethod(), Requests.mapDeleteRequest(key, o, NO_NAMESPACE),
        r -> new DeleteResponse(r, NO_NAMESPACE), true);
  }

  CompletableFuture<TxnResponse> txn(Compare[] cmps, RequestOp[] then, RequestOp[] otherwise) {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    for (Compare c : cmps) {
      b.addCompare(c);
    }
    for (RequestOp op : then) {
      b.addSuccess(op);
    }
    for (RequestOp op : otherwise) {
      b.addFailure(op);
    }
    return call(KVGrpc.getTxnMethod(), b.build(), r -> new TxnResponse(r, NO_NAMESPACE), true);
  }

  // ---- a transaction's parts, as etcd's wire messages

  /** A comparison of {@code key}'s {@code target} (a revision, version or value). */
  static Compare cmp(ByteSequence key, Cmp.Op op, CmpTarget<?> target) {
    return compare(key, op, target).build();
  }

  /**
   * A comparison of {@code target} that holds for every key starting with {@code prefix} (etcd's
   * range compare; of no key when none exists).
   */
  static Compare rangeCmp(ByteSequence prefix, Cmp.Op op, CmpTarget<?> target) {
    return compare(prefix, op, target).setRangeEnd(UnsafeByteOperations.unsafeWrap(KeySpace.prefixEnd(prefix.getBytes())))
        .build();
  }

  private static Compare.Builder compare(ByteSequence key, Cmp.Op op, CmpTarget<?> target) {
    Compare.Builder c = Compare.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key.getBytes())).setTarget(target.getTarget());
    switch (op) {
      case EQUAL:
        c.setResult(Compare.CompareResult.EQUAL);
        break;
      case GREATER:
        c.setResult(Compare.CompareResult.GREATER);
        break;
      case LESS:
        c.setResult(Compare.CompareResult.LESS);
        break;
      default:
        c.setResult(Compare.CompareResult.NOT_EQUAL);
    }
    Object v = target.getTargetValue();
    switch (target.getTarget()) {
      case VERSION:
        c.setVersion((Long) v);
        break;
      case CREATE:
        c.setCreateRevision((Long) v);
        break;
      case MOD:
        c.setModRevision((Long) v);
        break;
      case VALUE:
        c.setValue(UnsafeByteOperations.unsafeWrap(((ByteSequence) v).getBytes()));
        break;
      default:
        throw new IllegalArgumentException("unsupported compare target " + target.getTarget());
    }
    return c;
  }

  static RequestOp putOp(ByteSequence key, ByteSequence value, PutOption o) {
    return RequestOp.newBuilder().setRequestPut(Requests.mapPutRequest(key, value, o, NO_NAMESPACE)).build();
  }

  static RequestOp getOp(ByteSequence key, GetOption o) {
    return RequestOp.newBuilder().setRequestRange(Requests.mapRangeRequest(key, o, NO_NAMESPACE)).build();
  }

  static RequestOp deleteOp(ByteSequence key, DeleteOption o) {
    return RequestOp.newBuilder().setRequestDeleteRange(Requests.mapDeleteRequest(key, o, NO_NAMESPACE)).build();
  }

  // ---- the call

  private <Q, R, T> CompletableFuture<T> call(MethodDescriptor<Q, R> method, Q request, Function<R, T> answer,
      boolean mayRefresh) {
    CallGuard.Found found = guard.found();
    if (found == null) {
      found = discover();
    }
    CompletableFuture<T> f = new CompletableFuture<>();
    CallOptions o = found.options.withExecutor(DIRECT);
    ClientCalls.asyncUnaryCall(found.channel.newCall(method, o), request, new StreamObserver<R>() {
      private R value;

      @Override
      public void onNext(R r) {
        value = r;
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (mayRefresh && (Errors.isInvalidTokenError(s) || Errors.isAuthStoreExpired(s))) {
          // an auth token the server no longer knows (refused before anything applied): jetcd
          // renews it when one of its calls meets the same answer; then once more
          refreshToken().whenComplete((x, e) -> call(method, request, answer, false).whenComplete((r, e2) -> {
            if (e2 != null) {
              f.completeExceptionally(e2);
            } else {
              f.complete(r);
            }
          }));
          return;
        }
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        try {
          f.complete(answer.apply(value));
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      }
    });
    return f;
  }

  /** jetcd's channel is found on its first KV call; the store makes one when it opens, this is a fallback. */
  private CallGuard.Found discover() {
    try {
      refreshToken().get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      // the call's failure is not ours to report: it was made only to be seen by the guard
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    CallGuard.Found found = guard.found();
    if (found == null) {
      throw new IllegalStateException("jetcd made no KV call through the store's interceptor");
    }
    return found;
  }

  /** A count-only read through jetcd: it renews an expired auth token on the way. */
  private CompletableFuture<GetResponse> refreshToken() {
    return client.getKVClient().get(probeKey, GetOption.builder().withCountOnly(true).build());
  }
}
