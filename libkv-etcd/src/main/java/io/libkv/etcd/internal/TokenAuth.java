package io.libkv.etcd.internal;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * etcd's user name and password as gRPC call credentials: the token etcd's Authenticate call gives
 * for them goes with every call as its {@code token} header. It is asked for on the first call, and
 * again after a call was refused for a stale token ({@link #forget}).
 */
final class TokenAuth extends CallCredentials {
  private static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  private final Channel channel;
  private final AuthenticateRequest request;
  private final long timeoutNanos;
  // guarded by this
  private @Nullable CompletableFuture<String> token;

  /**
   * {@code channel}: where Authenticate goes (without these credentials, so the call needs no
   * token).
   */
  TokenAuth(Channel channel, String user, String password, long timeoutNanos) {
    this.channel = channel;
    this.request = AuthenticateRequest.newBuilder().setName(user).setPassword(password).build();
    this.timeoutNanos = timeoutNanos;
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    current()
        .whenComplete(
            (t, e) -> {
              if (e != null) {
                applier.fail(Status.fromThrowable(Failures.unwrap(e)));
                return;
              }
              Metadata m = new Metadata();
              m.put(TOKEN, t);
              applier.apply(m);
            });
  }

  private synchronized CompletableFuture<String> current() {
    if (token == null || token.isCompletedExceptionally()) {
      token = authenticate();
    }
    return token;
  }

  /** Drops the token etcd no longer takes; the next call asks for a fresh one. */
  synchronized void forget() {
    if (token != null && token.isDone()) {
      token = null;
    }
  }

  private CompletableFuture<String> authenticate() {
    CompletableFuture<String> f = new CompletableFuture<>();
    CallOptions o = CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
    ClientCalls.asyncUnaryCall(
        channel.newCall(AuthGrpc.getAuthenticateMethod(), o),
        request,
        new StreamObserver<AuthenticateResponse>() {
          @Override
          public void onNext(AuthenticateResponse r) {
            f.complete(r.getToken());
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            f.completeExceptionally(
                Status.INTERNAL.withDescription("etcd gave no token").asRuntimeException());
          }
        });
    return f;
  }
}
