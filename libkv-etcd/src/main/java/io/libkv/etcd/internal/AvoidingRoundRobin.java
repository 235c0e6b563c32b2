package io.libkv.etcd.internal;

import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver;
import io.grpc.util.ForwardingLoadBalancerHelper;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * gRPC's round robin over the endpoints, passing over a member the store found unresponsive (its
 * connection open, its calls unanswered) until it answers again. gRPC itself only leaves a
 * connection that closes, or one whose keep-alive ping goes unanswered (10 s at the least), so
 * without this every third call would go on into the silent member.
 */
final class AvoidingRoundRobin extends LoadBalancerProvider {
  /** The policy's name, for the channel builder. */
  static final String NAME = "libkv_etcd_round_robin";

  /** Addresses to pass over, each until the time (nanoTime) it is given another chance. */
  private static final Map<SocketAddress, Long> AVOIDED = new ConcurrentHashMap<>();

  private static volatile boolean registered;

  /**
   * A subchannel's addresses, kept in its attributes: the picker may not ask the subchannel itself.
   */
  private static final Attributes.Key<EquivalentAddressGroup> ADDRESSES =
      Attributes.Key.create("libkv-etcd-addresses");

  /** Makes the policy known to gRPC, once. */
  static synchronized void register() {
    if (!registered) {
      LoadBalancerRegistry.getDefaultRegistry().register(new AvoidingRoundRobin());
      registered = true;
    }
  }

  /** Passes over {@code address} until {@link #restore} or {@code untilNanos}. */
  static void avoid(SocketAddress address, long untilNanos) {
    AVOIDED.put(address, untilNanos);
  }

  static void restore(SocketAddress address) {
    AVOIDED.remove(address);
  }

  static boolean avoided(SocketAddress address) {
    Long until = AVOIDED.get(address);
    if (until == null) {
      return false;
    }
    if (System.nanoTime() - until >= 0) {
      AVOIDED.remove(address, until);
      return false;
    }
    return true;
  }

  private static boolean avoided(LoadBalancer.PickResult r) {
    if (r.getSubchannel() == null || AVOIDED.isEmpty()) {
      return false;
    }
    EquivalentAddressGroup g = r.getSubchannel().getAttributes().get(ADDRESSES);
    if (g == null) {
      return false;
    }
    for (SocketAddress a : g.getAddresses()) {
      if (!avoided(a)) {
        return false;
      }
    }
    return true;
  }

  private static LoadBalancerProvider roundRobin() {
    return LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin");
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return NAME;
  }

  @Override
  public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    return roundRobin().parseLoadBalancingPolicyConfig(rawConfig);
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return roundRobin()
        .newLoadBalancer(
            new ForwardingLoadBalancerHelper() {
              @Override
              protected LoadBalancer.Helper delegate() {
                return helper;
              }

              @Override
              public LoadBalancer.Subchannel createSubchannel(
                  LoadBalancer.CreateSubchannelArgs args) {
                if (args.getAddresses().size() != 1) {
                  return helper.createSubchannel(args);
                }
                return helper.createSubchannel(
                    args.toBuilder()
                        .setAttributes(
                            args.getAttributes().toBuilder()
                                .set(ADDRESSES, args.getAddresses().get(0))
                                .build())
                        .build());
              }

              @Override
              public void updateBalancingState(
                  ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
                helper.updateBalancingState(state, new Picker(picker));
              }
            });
  }

  /**
   * Round robin's picker, asked again (it moves on at each pick) while it picks an avoided member.
   */
  private static final class Picker extends LoadBalancer.SubchannelPicker {
    private static final int TRIES = 8;
    private final LoadBalancer.SubchannelPicker delegate;

    Picker(LoadBalancer.SubchannelPicker delegate) {
      this.delegate = delegate;
    }

    @Override
    public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
      LoadBalancer.PickResult first = delegate.pickSubchannel(args);
      LoadBalancer.PickResult r = first;
      for (int i = 0; i < TRIES && avoided(r); i++) {
        r = delegate.pickSubchannel(args);
      }
      // every member avoided: better to try one than to fail the call here
      return avoided(r) ? first : r;
    }
  }
}
