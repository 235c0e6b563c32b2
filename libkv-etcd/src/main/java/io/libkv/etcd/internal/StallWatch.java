package io.libkv.etcd.internal;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.libkv.spi.EndpointProbe;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Ends the store's calls that can no longer be answered, long before their deadline. Two cases
 * leave a call open on a live connection: the member forwarded a write (or a read's index request)
 * to a leader that died, and the proposal is lost with it; or the member itself went silent behind
 * an open connection. While a call has waited {@link #STALL_NANOS}, every member is asked for its
 * status (on connections of the watch's own, kept for the store's life). A call is cancelled when a
 * member has reported, for {@link #GRACE_NANOS} (time for a proposal the new leader did commit to
 * be answered), a newer Raft term with a leader than the store knew when the call started; or when
 * its own member does not answer while another one does, and that member is then passed over by the
 * channel ({@link AvoidingRoundRobin}) until it answers again. A cancelled write that was sent ends
 * as an unknown outcome, a read is retried on another member.
 */
final class StallWatch implements AutoCloseable {
  static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final long PROBE_TIMEOUT_MILLIS = 1000;
  private static final long TICK_MILLIS = 100;

  /**
   * How long a silent member is passed over before it gets a call again, unless a probe clears it
   * sooner.
   */
  private static final long AVOID_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final CallGuard guard;

  /** The options of a status request: the user's token, if any. */
  private final CallOptions probeOptions;

  private final List<String> endpoints;
  private final Function<String, ManagedChannel> channelTo;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService timer;
  private final List<SocketAddress> avoiding = new ArrayList<>();
  private boolean probing;
  private long newestTerm;
  private long newestTermSeen;

  /** {@code channelTo}: a channel to one endpoint, with the store's TLS settings. */
  StallWatch(
      CallGuard guard,
      CallOptions probeOptions,
      List<String> endpoints,
      Function<String, ManagedChannel> channelTo,
      int storeNumber) {
    this.guard = guard;
    this.probeOptions = probeOptions;
    this.endpoints = List.copyOf(endpoints);
    this.channelTo = channelTo;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "libkv-etcd-" + storeNumber + "-stalls");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Whether the call's remote address is endpoint {@code i}'s: its port, and one of the addresses
   * its host name resolves to (a name such as localhost may stand for more than one).
   */
  private boolean isEndpoint(SocketAddress remote, int i) {
    if (!(remote instanceof InetSocketAddress)) {
      return false;
    }
    InetSocketAddress r = (InetSocketAddress) remote;
    String e = endpoints.get(i);
    if (r.getPort() != EndpointProbe.port(e)) {
      return false;
    }
    try {
      for (InetAddress a : InetAddress.getAllByName(EndpointProbe.host(e))) {
        if (a.equals(r.getAddress())) {
          return true;
        }
      }
    } catch (UnknownHostException ex) {
      // a name that no longer resolves: not known to be this call's member
    }
    return false;
  }

  /** The endpoint the call went to, or -1 when that is not known. */
  private int endpointOf(@Nullable SocketAddress remote) {
    for (int i = 0; remote != null && i < endpoints.size(); i++) {
      if (isEndpoint(remote, i)) {
        return i;
      }
    }
    return -1;
  }

  /** On the timer thread only. */
  private void tick() {
    try {
      if (probing) {
        return;
      }
      long now = System.nanoTime();
      boolean stalled = guard.inFlight().stream().anyMatch(c -> now - c.startNanos >= STALL_NANOS);
      if (!stalled && avoiding.isEmpty()) {
        return;
      }
      probing = true;
      List<CompletableFuture<StatusResponse>> answers = ask();
      CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0]))
          .handle(
              (x, e) -> {
                timer.execute(() -> decide(answers));
                return null;
              });
    } catch (RuntimeException e) {
      // a closing client: the next tick, if any, tries again
      probing = false;
    }
  }

  /** Each member's status, in endpoint order; on the timer thread, which owns the channels. */
  private List<CompletableFuture<StatusResponse>> ask() {
    if (channels.isEmpty()) {
      for (String e : endpoints) {
        channels.add(channelTo.apply(e));
      }
    }
    List<CompletableFuture<StatusResponse>> answers = new ArrayList<>();
    for (ManagedChannel c : channels) {
      answers.add(status(c));
    }
    return answers;
  }

  /** Each member's status answer, in endpoint order, for {@code Store.status()}. */
  List<CompletableFuture<StatusResponse>> statuses() {
    try {
      return timer.submit(this::ask).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the members for their status", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("cannot ask the members for their status", e.getCause());
    }
  }

  private CompletableFuture<StatusResponse> status(ManagedChannel channel) {
    CallOptions o = probeOptions.withDeadlineAfter(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    CompletableFuture<StatusResponse> f = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(MaintenanceGrpc.getStatusMethod(), o),
        StatusRequest.getDefaultInstance(),
        new StreamObserver<StatusResponse>() {
          @Override
          public void onNext(StatusResponse r) {
            f.complete(r);
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            f.complete(null);
          }
        });
    return f;
  }

  private void decide(List<CompletableFuture<StatusResponse>> answers) {
    probing = false;
    boolean[] answered = new boolean[endpoints.size()];
    boolean anyAnswered = false;
    long term = 0;
    for (int i = 0; i < endpoints.size(); i++) {
      if (answers.get(i).isCompletedExceptionally()) {
        continue;
      }
      StatusResponse s = answers.get(i).getNow(null);
      if (s == null) {
        continue;
      }
      answered[i] = true;
      anyAnswered = true;
      if (s.getLeader() != 0) {
        term = Math.max(term, s.getRaftTerm());
      }
    }
    long now = System.nanoTime();
    if (term > newestTerm) {
      newestTerm = term;
      newestTermSeen = now;
    }
    guard.sawTerm(term);
    for (CallGuard.InFlight c : guard.inFlight()) {
      if (now - c.startNanos < STALL_NANOS) {
        continue;
      }
      SocketAddress member = c.remote();
      int e = endpointOf(member);
      if (member != null && e >= 0 && anyAnswered && !answered[e]) {
        AvoidingRoundRobin.avoid(member, now + AVOID_NANOS);
        if (!avoiding.contains(member)) {
          avoiding.add(member);
        }
        c.cancel(
            "etcd member "
                + endpoints.get(e)
                + " did not answer a status request while the call waited "
                + TimeUnit.NANOSECONDS.toMillis(now - c.startNanos)
                + " ms");
      } else if (c.termAtStart != 0
          && c.termAtStart < newestTerm
          && now - newestTermSeen >= GRACE_NANOS) {
        c.cancel(
            "etcd elected a new leader (Raft term "
                + newestTerm
                + ") while the call was in flight");
      }
    }
    for (SocketAddress a : new ArrayList<>(avoiding)) {
      int e = endpointOf(a);
      if (e < 0 || answered[e] || !AvoidingRoundRobin.avoided(a)) {
        AvoidingRoundRobin.restore(a);
        avoiding.remove(a);
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SocketAddress a : avoiding) {
      AvoidingRoundRobin.restore(a);
    }
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }
}
