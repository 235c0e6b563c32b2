package io.libkv.etcd.internal;

import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One etcd watch on its own gRPC stream. Every answer but a cancellation goes to the listener (the
 * creation's too); a cancellation, a failed or ended stream ends the watch with one {@link
 * Listener#failed} call: a compacted start revision as etcd's "required revision has been
 * compacted", any other reason etcd gave in its words. Nothing is resumed here: the caller decides.
 * The stream asks for a member with a leader, so etcd ends it when its member loses the leader
 * rather than leaving it silent.
 */
final class WatchStream implements AutoCloseable {
  /** What a watch reports, on gRPC's threads, in order. */
  interface Listener {
    void answered(WatchResponse r);

    void failed(Throwable t);
  }

  private final ClientCall<WatchRequest, WatchResponse> call;
  private final AtomicBoolean ended = new AtomicBoolean();

  private WatchStream(ClientCall<WatchRequest, WatchResponse> call) {
    this.call = call;
  }

  /** Opens the stream and asks etcd for the watch. */
  static WatchStream open(Rpc rpc, WatchCreateRequest create, Listener l) {
    WatchStream w = new WatchStream(rpc.newCall(WatchGrpc.getWatchMethod(), rpc.options()));
    Metadata headers = new Metadata();
    headers.put(CallGuard.REQUIRE_LEADER, "true");
    w.call.start(
        new ClientCall.Listener<WatchResponse>() {
          @Override
          public void onMessage(WatchResponse r) {
            w.call.request(1);
            if (w.ended.get()) {
              return;
            }
            if (r.getCanceled()) {
              String why =
                  r.getCompactRevision() > 0
                      ? "etcdserver: mvcc: required revision has been compacted"
                      : r.getCancelReason().isEmpty()
                          ? "etcd cancelled the watch"
                          : r.getCancelReason();
              w.end(l, Status.FAILED_PRECONDITION.withDescription(why).asRuntimeException());
              return;
            }
            l.answered(r);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            w.end(
                l,
                (status.isOk()
                        ? Status.UNAVAILABLE.withDescription("etcd ended the watch stream")
                        : status)
                    .asRuntimeException(trailers));
          }
        },
        headers);
    w.call.request(1);
    w.call.sendMessage(WatchRequest.newBuilder().setCreateRequest(create).build());
    return w;
  }

  private void end(Listener l, Throwable t) {
    if (ended.compareAndSet(false, true)) {
      call.cancel("the watch ended", null);
      l.failed(t);
    }
  }

  /** Ends the stream; the listener hears nothing more. */
  @Override
  public void close() {
    if (ended.compareAndSet(false, true)) {
      call.cancel("closed", null);
    }
  }
}
