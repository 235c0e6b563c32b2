package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
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
import java.util.concurrent.CompletableFuture;

/**
 * The store's KV calls, in etcd's own wire messages, built here, each one grpc-java unary call
 * ({@link Rpc}). The store makes its own retry and error decisions (see {@link EtcdStore#write}).
 */
final class DirectKv {
  private final Rpc rpc;

  DirectKv(Rpc rpc) {
    this.rpc = rpc;
  }

  CompletableFuture<RangeResponse> range(RangeRequest r) {
    return rpc.unary(KVGrpc.getRangeMethod(), r);
  }

  CompletableFuture<PutResponse> put(PutRequest r) {
    return rpc.unary(KVGrpc.getPutMethod(), r);
  }

  CompletableFuture<DeleteRangeResponse> delete(DeleteRangeRequest r) {
    return rpc.unary(KVGrpc.getDeleteRangeMethod(), r);
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
    return txn(b.build());
  }

  CompletableFuture<TxnResponse> txn(TxnRequest r) {
    return rpc.unary(KVGrpc.getTxnMethod(), r);
  }

  // ---- requests and a transaction's parts, as etcd's wire messages

  /** A comparison of {@code key}'s create revision with {@code revision} (0: the key is absent). */
  static Compare created(ByteString key, Compare.CompareResult result, long revision) {
    return Compare.newBuilder()
        .setKey(key)
        .setTarget(Compare.CompareTarget.CREATE)
        .setResult(result)
        .setCreateRevision(revision)
        .build();
  }

  /** A comparison of {@code key}'s mod revision with {@code revision}. */
  static Compare modified(ByteString key, Compare.CompareResult result, long revision) {
    return Compare.newBuilder()
        .setKey(key)
        .setTarget(Compare.CompareTarget.MOD)
        .setResult(result)
        .setModRevision(revision)
        .build();
  }

  /**
   * A comparison of the create revision of every key starting with {@code prefix} with {@code
   * revision} (etcd's range compare: it holds for every such key, and compares 0 when there is
   * none).
   */
  static Compare everyCreated(ByteString prefix, Compare.CompareResult result, long revision) {
    return created(prefix, result, revision).toBuilder().setRangeEnd(end(prefix)).build();
  }

  /** The end of the range of every key starting with {@code prefix}. */
  static ByteString end(ByteString prefix) {
    return UnsafeByteOperations.unsafeWrap(KeySpace.prefixEnd(prefix.toByteArray()));
  }

  /** A read of {@code key} alone, to be refined (a range end, a revision, count only...). */
  static RangeRequest.Builder get(ByteString key) {
    return RangeRequest.newBuilder().setKey(key);
  }

  /** A read of every key from {@code start} to just before {@code end}. */
  static RangeRequest.Builder get(ByteString start, ByteString end) {
    return get(start).setRangeEnd(end);
  }

  /** A write of {@code value} to {@code key}, on lease {@code lease} (0: none). */
  static PutRequest put(ByteString key, ByteString value, long lease) {
    return PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease).build();
  }

  /** A deletion of {@code key} alone. */
  static DeleteRangeRequest delete(ByteString key) {
    return DeleteRangeRequest.newBuilder().setKey(key).build();
  }

  /** A deletion of every key from {@code start} to just before {@code end}. */
  static DeleteRangeRequest delete(ByteString start, ByteString end) {
    return DeleteRangeRequest.newBuilder().setKey(start).setRangeEnd(end).build();
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
}
