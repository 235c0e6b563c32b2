package io.libkv.etcd.internal;

import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Gives every unary call the operation timeout as its gRPC deadline, and marks a failed call that
 * never got a stream on a live transport (no server connected, all endpoints down) with {@link
 * NotSent}: such a write is known not to have applied and may be retried, while any other failure
 * of a write leaves its outcome unknown. Streaming calls (watch, lease keep-alive) pass untouched.
 * It also keeps the calls in flight, with the member each went to and the newest Raft term the
 * store knew when it started, for {@link StallWatch} to end those that can no longer be answered,
 * and asks etcd to refuse a call at once where the member knows no leader.
 */
final class CallGuard implements ClientInterceptor {
  private final long timeoutNanos;
  private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();

  /** The newest Raft term seen in an answer. */
  private final AtomicLong term = new AtomicLong();

  CallGuard(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /** The cause attached to the status of a call that never reached a server. */
  static final class NotSent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSent(Throwable cause) {
      super("the request never reached a server", cause, false, false);
    }
  }

  /** The unary calls started and not yet closed (but the probes' status requests). */
  Set<InFlight> inFlight() {
    return inFlight;
  }

  /** Notes a Raft term seen in an answer. */
  void sawTerm(long t) {
    term.accumulateAndGet(t, Math::max);
  }

  private void sawHeader(Object answer) {
    ResponseHeader h = null;
    if (answer instanceof RangeResponse) {
      h = ((RangeResponse) answer).getHeader();
    } else if (answer instanceof PutResponse) {
      h = ((PutResponse) answer).getHeader();
    } else if (answer instanceof TxnResponse) {
      h = ((TxnResponse) answer).getHeader();
    } else if (answer instanceof DeleteRangeResponse) {
      h = ((DeleteRangeResponse) answer).getHeader();
    }
    if (h != null) {
      sawTerm(h.getRaftTerm());
    }
  }

  /** A call in flight. */
  static final class InFlight {
    final long startNanos = System.nanoTime();
    final long termAtStart;
    private volatile @Nullable SocketAddress remote;
    private volatile @Nullable ClientCall<?, ?> call;

    InFlight(long termAtStart) {
      this.termAtStart = termAtStart;
    }

    /** The member's address the call went to; null before it got a stream. */
    @Nullable SocketAddress remote() {
      return remote;
    }

    /**
     * Ends the call with CANCELLED: a write that was sent ends as an unknown outcome, a read may be
     * retried.
     */
    void cancel(String why) {
      ClientCall<?, ?> c = call;
      if (c != null) {
        c.cancel(why, new Abandoned(why));
      }
    }
  }

  /**
   * The cause attached to the status of a call the store gave up on before its deadline ({@link
   * StallWatch}).
   */
  static final class Abandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Abandoned(String why) {
      super(why, null, false, false);
    }
  }

  /**
   * etcd's request header asking for a member with a leader (its clients' "require leader" option).
   */
  static final Metadata.Key<String> REQUIRE_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      return next.newCall(method, options);
    }
    AtomicBoolean streamed = new AtomicBoolean();
    // the probes' own requests are left out: they end by their own timeout
    InFlight tracked =
        MaintenanceGrpc.SERVICE_NAME.equals(method.getServiceName())
            ? null
            : new InFlight(term.get());
    CallOptions o =
        options.withStreamTracerFactory(
            new ClientStreamTracer.Factory() {
              @Override
              public ClientStreamTracer newClientStreamTracer(
                  ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                  @Override
                  public void streamCreated(io.grpc.Attributes transportAttrs, Metadata h) {
                    streamed.set(true);
                    if (tracked != null) {
                      tracked.remote = transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                    }
                  }
                };
              }
            });
    if (o.getDeadline() == null) {
      o = o.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<Q, R>(next.newCall(method, o)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        if (tracked != null) {
          tracked.call = this;
          inFlight.add(tracked);
          // a member that knows no leader refuses the call at once, before proposing anything,
          // instead
          // of holding a write it cannot commit until the deadline
          headers.put(REQUIRE_LEADER, "true");
        }
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
              @Override
              public void onMessage(R message) {
                sawHeader(message);
                super.onMessage(message);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                if (tracked != null) {
                  inFlight.remove(tracked);
                }
                if (!status.isOk() && !streamed.get()) {
                  status = status.withCause(new NotSent(status.getCause()));
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }
}
