package io.libkv.etcd.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.libkv.Secret;
import io.libkv.spi.EndpointProbe;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The store's connection to etcd, on grpc-java alone: one channel over every endpoint (round robin
 * passing over silent members, {@link AvoidingRoundRobin}), every call through the {@link
 * CallGuard}, TLS when given, and the user's token on every call when a user is given ({@link
 * TokenAuth}). Unary answers complete on gRPC's transport thread, which only wakes the waiting
 * caller.
 */
final class Rpc implements AutoCloseable {
  private static final Executor DIRECT = Runnable::run;
  private static final int MAX_INBOUND_BYTES = 32 * 1024 * 1024;

  private final ManagedChannel managed;
  private final Channel channel;
  private final CallOptions options;
  private final Optional<TokenAuth> auth;

  private Rpc(ManagedChannel managed, Channel channel, Optional<TokenAuth> auth) {
    this.managed = managed;
    this.channel = channel;
    this.auth = auth;
    this.options =
        auth.isPresent()
            ? CallOptions.DEFAULT.withCallCredentials(auth.get())
            : CallOptions.DEFAULT;
  }

  /** An etcd user and its password. */
  record User(String name, Secret password) {}

  /**
   * A channel to {@code endpoints} ({@code host:port}); with {@code ssl}, certificates are checked
   * against the first endpoint's host name.
   */
  static Rpc connect(
      List<String> endpoints,
      Optional<SslContext> ssl,
      Duration connectTimeout,
      CallGuard guard,
      Optional<User> user,
      Duration operationTimeout) {
    Endpoints.register();
    AvoidingRoundRobin.register();
    NettyChannelBuilder b =
        NettyChannelBuilder.forTarget(Endpoints.TARGET, credentials(ssl))
            .setNameResolverArg(Endpoints.LIST, List.copyOf(endpoints))
            .defaultLoadBalancingPolicy(AvoidingRoundRobin.NAME)
            .withOption(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
            // a connection whose calls go unanswered is closed; idle connections are not pinged,
            // which
            // etcd (its keep-alive enforcement) would answer by closing them
            .keepAliveTime(10, TimeUnit.SECONDS)
            .keepAliveTimeout(5, TimeUnit.SECONDS)
            .maxInboundMessageSize(MAX_INBOUND_BYTES);
    if (ssl.isPresent()) {
      b.overrideAuthority(EndpointProbe.host(endpoints.get(0)));
    }
    ManagedChannel managed = b.build();
    Channel guarded = ClientInterceptors.intercept(managed, guard);
    Optional<TokenAuth> auth =
        user.map(
            u ->
                new TokenAuth(
                    guarded, u.name(), u.password().reveal(), operationTimeout.toNanos()));
    return new Rpc(managed, guarded, auth);
  }

  /**
   * A channel to the one endpoint {@code endpoint}, set up as the store's (for probes of one
   * member).
   */
  static ManagedChannel channelTo(
      String endpoint, List<String> endpoints, Optional<SslContext> ssl) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(endpoint, credentials(ssl));
    if (ssl.isPresent()) {
      b.overrideAuthority(EndpointProbe.host(endpoints.get(0)));
    }
    return b.maxInboundMessageSize(MAX_INBOUND_BYTES).build();
  }

  private static ChannelCredentials credentials(Optional<SslContext> ssl) {
    return ssl.isPresent()
        ? NettySslContextChannelCredentials.create(ssl.get())
        : InsecureChannelCredentials.create();
  }

  /** The options of every call: the user's token, if any. */
  CallOptions options() {
    return options;
  }

  /** A call of {@code method} through the guard, with the user's token. */
  <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions o) {
    return channel.newCall(method, o);
  }

  /**
   * A unary call. A call refused for a stale auth token (refused before anything applied) is made
   * once more with a fresh one.
   */
  <Q, R> CompletableFuture<R> unary(MethodDescriptor<Q, R> method, Q request) {
    return unary(method, request, auth.isPresent());
  }

  private <Q, R> CompletableFuture<R> unary(
      MethodDescriptor<Q, R> method, Q request, boolean mayRenew) {
    CompletableFuture<R> f = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(method, options.withExecutor(DIRECT)),
        request,
        new StreamObserver<R>() {
          private @Nullable R value;

          @Override
          public void onNext(R r) {
            value = r;
          }

          @Override
          public void onError(Throwable t) {
            if (mayRenew && Failures.isStaleToken(Status.fromThrowable(t))) {
              auth.get().forget();
              unary(method, request, false)
                  .whenComplete(
                      (r, e) -> {
                        if (e != null) {
                          f.completeExceptionally(e);
                        } else {
                          f.complete(r);
                        }
                      });
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

  /** Drops the token after a streaming call was refused for it. */
  void staleToken(Throwable t) {
    if (auth.isPresent() && Failures.isStaleToken(Status.fromThrowable(Failures.unwrap(t)))) {
      auth.get().forget();
    }
  }

  @Override
  public void close() {
    managed.shutdownNow();
    try {
      managed.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
