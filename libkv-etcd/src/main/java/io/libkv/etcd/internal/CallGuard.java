package io.libkv.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gives every unary call the operation timeout as its gRPC deadline, and marks a failed call that
 * never got a stream on a live transport (no server connected, all endpoints down) with {@link
 * NotSent}: such a write is known not to have applied and may be retried, while any other failure of
 * a write leaves its outcome unknown. Streaming calls (watch, lease keep-alive) pass untouched.
 */
final class CallGuard implements ClientInterceptor {
  private final long timeoutNanos;
  private volatile Found found;

  CallGuard(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /**
   * The channel behind this guard (so through it again) and jetcd's options of a KV call (its
   * credentials), as seen on the first KV call; null before. See {@link DirectKv}.
   */
  Found found() {
    return found;
  }

  /** What {@link #found()} returns. */
  static final class Found {
    final Channel channel;
    final CallOptions options;

    Found(Channel channel, CallOptions options) {
      this.channel = channel;
      this.options = options;
    }
  }

  /** The cause attached to the status of a call that never reached a server. */
  static final class NotSent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSent(Throwable cause) {
      super("the request never reached a server", cause, false, false);
    }
  }

  private static final ByteString RANGE_MARK = ByteString.copyFromUtf8("//");

  static TxnRequest withRangeCompares(TxnRequest t) {
    TxnRequest.Builder b = null;
    for (int i = 0; i < t.getCompareCount(); i++) {
      Compare c = t.getCompare(i);
      if (c.getKey().endsWith(RANGE_MARK) && c.getRangeEnd().isEmpty()) {
        if (b == null) {
          b = t.toBuilder();
        }
        b.setCompare(i, c.toBuilder().setRangeEnd(ByteString.copyFrom(KeySpace.prefixEnd(c.getKey().toByteArray()))));
      }
    }
    return b == null ? t : b.build();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      return next.newCall(method, options);
    }
    if (found == null && KVGrpc.SERVICE_NAME.equals(method.getServiceName())) {
      found = new Found(ClientInterceptors.intercept(next, this), options);
    }
    AtomicBoolean streamed = new AtomicBoolean();
    CallOptions o = options.withStreamTracerFactory(new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void streamCreated(io.grpc.Attributes transportAttrs, Metadata h) {
            streamed.set(true);
          }
        };
      }
    });
    if (o.getDeadline() == null) {
      o = o.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<Q, R>(next.newCall(method, o)) {
      @Override
      @SuppressWarnings("unchecked")
      public void sendMessage(Q message) {
        if (message instanceof TxnRequest) {
          message = (Q) withRangeCompares((TxnRequest) message);
        }
        super.sendMessage(message);
      }

      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            if (!status.isOk() && !streamed.get()) {
              status = status.withCause(new NotSent(status.getCause()));
            }
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
