package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.GetOption;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The store's KV calls, made with grpc-java's own call on the channel jetcd built (so its endpoints,
 * failover, TLS and credentials), in etcd's own wire messages, built here. jetcd's KV client puts a
 * Vert.x future, a retry policy and two thread hand-offs around every unary call, about 0.1 ms a call on a
 * small machine: a third of a linearizable read, a tenth of a write, a fifth of a lock cycle. The
 * store makes its own retry and error decisions (see {@link EtcdStore#write}), so it needs none of
 * that layer. The channel and jetcd's call options are found by {@link CallGuard} on the client's
 * first KV call; the answer completes on gRPC's transport thread, which only wakes the waiting caller.
 */
final class DirectKv {
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

  CompletableFuture<RangeResponse> range(RangeRequest r) {
    return call(KVGrpc.getRangeMethod(), r, true);
  }

  CompletableFuture<PutResponse> put(PutRequest r) {
    return call(KVGrpc.getPutMethod(), r, true);
  }

  CompletableFuture<DeleteRangeResponse> delete(DeleteRangeRequest r) {
    return call(KVGrpc.getDeleteRangeMethod(), r, true);
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
    return call(KVGrpc.getTxnMethod(), b.build(), true);
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

  /** etcd's bytes of a key or value, shared, not copied: neither side changes them. */
  static ByteString bytes(ByteSequence b) {
    return UnsafeByteOperations.unsafeWrap(b.getBytes());
  }

  /** A read of {@code key} alone, to be refined (a range end, a revision, count only...). */
  static RangeRequest.Builder get(ByteSequence key) {
    return RangeRequest.newBuilder().setKey(bytes(key));
  }

  /** A read of every key from {@code start} to just before {@code end}. */
  static RangeRequest.Builder get(ByteSequence start, ByteSequence end) {
    return get(start).setRangeEnd(bytes(end));
  }

  /** A write of {@code value} to {@code key}, on lease {@code lease} (0: none). */
  static PutRequest put(ByteSequence key, ByteSequence value, long lease) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).setLease(lease).build();
  }

  /** A deletion of {@code key} alone. */
  static DeleteRangeRequest delete(ByteSequence key) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(key)).build();
  }

  /** A deletion of every key from {@code start} to just before {@code end}. */
  static DeleteRangeRequest delete(ByteSequence start, ByteSequence end) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(start)).setRangeEnd(bytes(end)).build();
  }

  static RequestOp op(PutRequest r) {
    return RequestOp.newBuilder().setRequestPut(r).build();
  }

  static RequestOp op(RangeRequest r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  static RequestOp op(DeleteRangeRequest r) {
    return RequestOp.newBuilder().setRequestDeleteRange(r).build();
  }

  // ---- the call

  private <Q, R> CompletableFuture<R> call(MethodDescriptor<Q, R> method, Q request, boolean mayRefresh) {
    CallGuard.Found found = guard.found();
    if (found == null) {
      found = discover();
    }
    CompletableFuture<R> f = new CompletableFuture<>();
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
        if (mayRefresh && Failures.isStaleToken(s)) {
          // an auth token the server no longer knows (refused before anything applied): jetcd
          // renews it when one of its calls meets the same answer; then once more
          refreshToken().whenComplete((x, e) -> call(method, request, false).whenComplete((r, e2) -> {
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
        f.complete(value);
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
